/* HTTP dates: IMF-fixdate only (RFC 9110 5.6.7), the form every client
 * has sent for decades; the obsolete RFC 850 and asctime forms are not
 * parsed (If-Modified-Since is then ignored, which only costs a full
 * answer). Calendar arithmetic after H. Hinnant's days_from_civil. */
#include "http_internal.h"

static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

#define LAST_SECOND 253402300799ull /* 9999-12-31 23:59:59: four-digit years */

size_t http_date_format(char *out, size_t cap, uint64_t t)
{
    if (cap < 30)
        return 0;
    if (t > LAST_SECOND)
        t = LAST_SECOND;
    uint64_t z = t / 86400, secs = t % 86400;
    unsigned wday = (unsigned)((z + 4) % 7); /* 1970-01-01 was a Thursday */
    z += 719468;
    uint64_t era = z / 146097, doe = z - era * 146097;
    uint64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    uint64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    uint64_t mp = (5 * doy + 2) / 153;
    unsigned day = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    unsigned mon = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    uint64_t year = yoe + era * 400 + (mon <= 2);

    struct http_out o;
    out_init(&o, out, cap);
    out_str(&o, days[wday]);
    out_str(&o, ", ");
    out_u64w(&o, day, 2);
    out_chr(&o, ' ');
    out_str(&o, months[mon - 1]);
    out_chr(&o, ' ');
    out_u64w(&o, year, 4);
    out_chr(&o, ' ');
    out_u64w(&o, secs / 3600, 2);
    out_chr(&o, ':');
    out_u64w(&o, secs / 60 % 60, 2);
    out_chr(&o, ':');
    out_u64w(&o, secs % 60, 2);
    out_str(&o, " GMT");
    return o.len;
}

/* n decimal digits at s, or -1. */
static long digits(const char *s, unsigned n)
{
    long v = 0;
    for (unsigned i = 0; i < n; i++) {
        if (!http_is_digit(s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

bool http_date_parse(const char *s, size_t len, uint64_t *t)
{
    /* "Sun, 06 Nov 1994 08:49:37 GMT" */
    if (len != 29 || s[3] != ',' || s[4] != ' ' || s[7] != ' ' || s[11] != ' ' ||
        s[16] != ' ' || s[19] != ':' || s[22] != ':' || s[25] != ' ' || s[26] != 'G' ||
        s[27] != 'M' || s[28] != 'T')
        return false;
    bool day_ok = false;
    for (unsigned i = 0; i < 7; i++)
        day_ok |= s[0] == days[i][0] && s[1] == days[i][1] && s[2] == days[i][2];
    long mon = -1;
    for (unsigned i = 0; i < 12; i++)
        if (s[8] == months[i][0] && s[9] == months[i][1] && s[10] == months[i][2])
            mon = (long)i + 1;
    long day = digits(s + 5, 2), year = digits(s + 12, 4);
    long hh = digits(s + 17, 2), mm = digits(s + 20, 2), ss = digits(s + 23, 2);
    if (!day_ok || mon < 0 || year < 1970 || hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 ||
        ss > 59)
        return false;
    static const unsigned char mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    if (day < 1 || day > mdays[mon - 1] || (mon == 2 && day == 29 && !leap))
        return false;
    long y = year - (mon <= 2);
    long era = y / 400, yoe = y - era * 400;
    long doy = (153 * (mon > 2 ? mon - 3 : mon + 9) + 2) / 5 + day - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    long z = era * 146097 + doe - 719468;
    *t = (uint64_t)z * 86400 + (uint64_t)(hh * 3600 + mm * 60 + ss);
    return true;
}

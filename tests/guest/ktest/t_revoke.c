#include "ktest.h"
const struct kt_test kt_revoke_tests[] = { { "x", "x", NULL } };
const unsigned kt_revoke_tests_count = 0;

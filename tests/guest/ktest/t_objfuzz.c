#include "ktest.h"
const struct kt_test kt_objfuzz_tests[] = { { "x", "x", NULL } };
const unsigned kt_objfuzz_tests_count = 0;

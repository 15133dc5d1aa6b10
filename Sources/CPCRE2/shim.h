#ifndef AGATE_CPCRE2_SHIM_H
#define AGATE_CPCRE2_SHIM_H
// Only the 8-bit code unit library is linked; the width must be fixed before the header.
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#endif

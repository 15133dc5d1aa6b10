#ifndef AGATE_CZLIB_SHIM_H
#define AGATE_CZLIB_SHIM_H
// zlib (Debian zlib1g-dev): replay stream-decompresses gzip decision logs.
#include <zlib.h>
#endif

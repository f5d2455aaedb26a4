#ifndef TENANTRY_CZLIB_SHIM_H
#define TENANTRY_CZLIB_SHIM_H

/* zlib, for the raw DEFLATE of the SAML HTTP-Redirect binding (Foundation on Linux has none). */
#include <zlib.h>

#endif

#ifndef TENANTRY_CXMLSEC_SHIM_H
#define TENANTRY_CXMLSEC_SHIM_H

/*
 * libxmlsec1 (OpenSSL engine) and libxml2 for TenantrySAML.
 *
 * xmlsec's headers change the layout of its structures and the width of xmlSecSize according
 * to compile-time defines that `pkg-config --cflags xmlsec1-openssl` prints as -D flags.
 * SwiftPM passes a system library's -I flags from pkg-config but drops its -D flags, so the
 * defines are repeated here, as Debian 12's xmlsec1 1.2.37 prints them. A mismatch would make
 * Swift read xmlSecDSigCtx fields at the wrong offsets; TenantrySAML checks the ABI at start-up
 * with xmlSecCheckVersionExt.
 */
#ifndef XMLSEC_CRYPTO_OPENSSL
#define XMLSEC_CRYPTO_OPENSSL 1
#endif
#ifndef XMLSEC_NO_SIZE_T
#define XMLSEC_NO_SIZE_T
#endif
#ifndef __XMLSEC_FUNCTION__
#define __XMLSEC_FUNCTION__ __func__
#endif
#ifndef XMLSEC_OPENSSL3_ENGINES
#define XMLSEC_OPENSSL3_ENGINES 1
#endif
#ifndef XMLSEC_NO_GOST
#define XMLSEC_NO_GOST 1
#endif
#ifndef XMLSEC_NO_GOST2012
#define XMLSEC_NO_GOST2012 1
#endif
#ifndef XMLSEC_NO_CRYPTO_DYNAMIC_LOADING
#define XMLSEC_NO_CRYPTO_DYNAMIC_LOADING 1
#endif

/*
 * Debian builds libxml2 with ICU, and libxml/encoding.h then includes ICU's headers, whose
 * UErrorCode clashes with the copy inside Foundation (_FoundationICU). Nothing here uses
 * libxml2's ICU converters; without the define, encoding.h only leaves two pointer fields out
 * of xmlCharEncodingHandler, a structure this module never touches.
 */
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/valid.h>
#include <libxml/xmlerror.h>

#include <xmlsec/xmlsec.h>
#include <xmlsec/errors.h>
#include <xmlsec/keys.h>
#include <xmlsec/transforms.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmltree.h>
#include <xmlsec/openssl/app.h>
#include <xmlsec/openssl/crypto.h>

/* libxml2's xmlFree is a global function-pointer variable, which Swift 6 refuses to read from
 * concurrent code; this reads it in C. */
static inline void tenantry_xml_free(void *pointer) {
    xmlFree(pointer);
}

#endif

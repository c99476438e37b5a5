// OpenSSL 3 marks the SHA256_* calls deprecated in favour of EVP, but they stay in its API and
// keep what the digest code needs: a plain struct as the hashing state (a copy is an independent
// hasher, as swift-crypto's was) with no allocation or algorithm fetch per hash, which the many
// short node-key texts would pay for. Both run the same SHA-NI block function.
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <openssl/sha.h>

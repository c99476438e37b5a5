// OpenSSL 3 marks the SHA256_* calls deprecated in favour of EVP, but they stay in its API and
// keep what the digest code needs: a plain struct as the hashing state (a copy is an independent
// hasher, as swift-crypto's was) with no allocation or algorithm fetch per hash, which the many
// short node-key texts would pay for. Both run the same SHA-NI block function.
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <openssl/sha.h>
// Ed25519 signatures of records pushed to a remote cache (XGraphRemote's RecordSigning), and the
// random seed of a new signing key.
#include <openssl/evp.h>
#include <openssl/rand.h>

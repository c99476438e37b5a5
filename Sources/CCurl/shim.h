// libcurl for the S3 remote cache (XGraphRemote). curl_easy_setopt and curl_easy_getinfo are
// variadic, which Swift cannot call: these typed wrappers are the only way in.
#include <curl/curl.h>

static inline CURLcode xg_curl_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode xg_curl_setopt_off(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode xg_curl_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode xg_curl_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode xg_curl_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}
typedef size_t (*xg_curl_data_callback)(char *buffer, size_t size, size_t count, void *context);
static inline CURLcode xg_curl_setopt_callback(CURL *handle, CURLoption option, xg_curl_data_callback value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode xg_curl_response_code(CURL *handle, long *code) {
    return curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, code);
}

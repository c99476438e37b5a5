// libcurl for the S3 remote cache (XGraphRemote), loaded on first use with dlopen rather than
// linked: linking it made every xgraph process load the twenty libraries libcurl depends on
// (TLS, HTTP/2, SSH, LDAP, Kerberos...), about 5 ms at each start, which a no-op build of a
// thousand nodes cannot spare, and only a build with an s3:// remote ever needs them.
//
// curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot call: the typed
// wrappers below are the only way in, and they call through the loaded table.
#include <curl/curl.h>
#include <dlfcn.h>
#include <sys/syscall.h>
#include <unistd.h>

struct xg_curl_api {
    CURLcode (*global_init)(long);
    CURL *(*easy_init)(void);
    CURLcode (*easy_perform)(CURL *);
    void (*easy_reset)(CURL *);
    const char *(*easy_strerror)(CURLcode);
    CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
    CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
    struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
    void (*slist_free_all)(struct curl_slist *);
    int loaded;
};

// Function-local statics: Swift's importer emits the inline functions it calls, but not
// file-scope statics of a header, so the table lives inside the one function that returns it.
static inline struct xg_curl_api *xg_curl(void) {
    static struct xg_curl_api table;
    static int state;  // 0 not tried, 1 loading, 2 done
    int expected = 0;
    if (__atomic_compare_exchange_n(&state, &expected, 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        void *lib = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
        if (lib) {
            *(void **)&table.global_init = dlsym(lib, "curl_global_init");
            *(void **)&table.easy_init = dlsym(lib, "curl_easy_init");
            *(void **)&table.easy_perform = dlsym(lib, "curl_easy_perform");
            *(void **)&table.easy_reset = dlsym(lib, "curl_easy_reset");
            *(void **)&table.easy_strerror = dlsym(lib, "curl_easy_strerror");
            *(void **)&table.easy_setopt = dlsym(lib, "curl_easy_setopt");
            *(void **)&table.easy_getinfo = dlsym(lib, "curl_easy_getinfo");
            *(void **)&table.slist_append = dlsym(lib, "curl_slist_append");
            *(void **)&table.slist_free_all = dlsym(lib, "curl_slist_free_all");
            table.loaded = table.global_init && table.easy_init && table.easy_perform && table.easy_reset
                && table.easy_strerror && table.easy_setopt && table.easy_getinfo && table.slist_append
                && table.slist_free_all;
        }
        __atomic_store_n(&state, 2, __ATOMIC_RELEASE);
    } else {
        // Another thread is loading it: wait for it (a dlopen takes milliseconds).
        while (__atomic_load_n(&state, __ATOMIC_ACQUIRE) != 2) {}
    }
    return &table;
}

/// 1 when libcurl (libcurl.so.4, Debian's libcurl4) could be loaded; every other call needs it.
static inline int xg_curl_available(void) { return xg_curl()->loaded; }
static inline CURLcode xg_curl_global_init(long flags) { return xg_curl()->global_init(flags); }
static inline CURL *xg_curl_easy_init(void) { return xg_curl()->easy_init(); }
static inline CURLcode xg_curl_easy_perform(CURL *handle) { return xg_curl()->easy_perform(handle); }
static inline void xg_curl_easy_reset(CURL *handle) { xg_curl()->easy_reset(handle); }
static inline const char *xg_curl_easy_strerror(CURLcode code) { return xg_curl()->easy_strerror(code); }
static inline struct curl_slist *xg_curl_slist_append(struct curl_slist *list, const char *text) {
    return xg_curl()->slist_append(list, text);
}
static inline void xg_curl_slist_free_all(struct curl_slist *list) { xg_curl()->slist_free_all(list); }

static inline CURLcode xg_curl_setopt_long(CURL *handle, CURLoption option, long value) {
    return xg_curl()->easy_setopt(handle, option, value);
}
static inline CURLcode xg_curl_setopt_off(CURL *handle, CURLoption option, curl_off_t value) {
    return xg_curl()->easy_setopt(handle, option, value);
}
static inline CURLcode xg_curl_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return xg_curl()->easy_setopt(handle, option, value);
}
static inline CURLcode xg_curl_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return xg_curl()->easy_setopt(handle, option, value);
}
static inline CURLcode xg_curl_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return xg_curl()->easy_setopt(handle, option, value);
}
typedef size_t (*xg_curl_data_callback)(char *buffer, size_t size, size_t count, void *context);
static inline CURLcode xg_curl_setopt_callback(CURL *handle, CURLoption option, xg_curl_data_callback value) {
    return xg_curl()->easy_setopt(handle, option, value);
}
static inline CURLcode xg_curl_response_code(CURL *handle, long *code) {
    return xg_curl()->easy_getinfo(handle, CURLINFO_RESPONSE_CODE, code);
}

// Starts the disk's writeback of a file's range without waiting for it (sync_file_range with
// SYNC_FILE_RANGE_WRITE = 2): a download hands each range it has hashed to the disk, so the fsync
// before the blob gets its name has little left to write. Through syscall(2), since glibc
// declares sync_file_range only under _GNU_SOURCE, which Swift's Glibc module is not built with.
// Advice only: -1 (ENOSYS, EINVAL on some file systems) leaves the work to the fsync.
static inline long xg_start_writeback(int fd, long long offset, long long count) {
    return syscall(SYS_sync_file_range, fd, offset, count, 2);
}

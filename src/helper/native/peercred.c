/*
 * peercred.node: who is at the other end of a Unix socket, as the kernel says (never as the client
 * says). Node's net module has no getsockopt; this N-API addon is the one call the helper needs:
 *
 *   peerCredentials(fd) -> { uid, gid, pid }     pid is 0 where the platform does not tell
 *
 * Linux: SO_PEERCRED (socket(7), unix(7)): the credentials the peer had at connect(2). macOS and the
 * BSDs: getpeereid(3), plus LOCAL_PEERPID on macOS. Throws an Error with `code` set to the errno name.
 */
#define _GNU_SOURCE /* struct ucred (socket(7)) */
#define NAPI_VERSION 8
#include <node_api.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>
#include <unistd.h>
#ifdef __APPLE__
#include <sys/ucred.h>
#endif

static napi_value fail(napi_env env, int err) {
  const char *code = err == EBADF ? "EBADF" : err == ENOTSOCK ? "ENOTSOCK" : err == ENOTCONN ? "ENOTCONN"
                   : err == EINVAL ? "EINVAL" : "EIO";
  napi_throw_error(env, code, strerror(err));
  return NULL;
}

static napi_value set_number(napi_env env, napi_value obj, const char *key, double value) {
  napi_value v;
  napi_create_double(env, value, &v);
  napi_set_named_property(env, obj, key, v);
  return obj;
}

static napi_value peer_credentials(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], out;
  int32_t fd;
  double uid, gid, pid = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 ||
      napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0) {
    napi_throw_type_error(env, "EINVAL", "peerCredentials(fd): fd must be a non-negative integer");
    return NULL;
  }
#ifdef SO_PEERCRED
  struct ucred cred;
  socklen_t len = sizeof cred;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return fail(env, errno);
  uid = cred.uid;
  gid = cred.gid;
  pid = cred.pid;
#else
  uid_t u;
  gid_t g;
  if (getpeereid(fd, &u, &g) != 0) return fail(env, errno);
  uid = u;
  gid = g;
#ifdef LOCAL_PEERPID
  pid_t p;
  socklen_t len = sizeof p;
  if (getsockopt(fd, SOL_LOCAL, LOCAL_PEERPID, &p, &len) == 0) pid = p;
#endif
#endif
  napi_create_object(env, &out);
  set_number(env, out, "uid", uid);
  set_number(env, out, "gid", gid);
  return set_number(env, out, "pid", pid);
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "peerCredentials", NAPI_AUTO_LENGTH, peer_credentials, NULL, &fn);
  napi_set_named_property(env, exports, "peerCredentials", fn);
  return exports;
}

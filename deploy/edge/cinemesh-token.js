// Validates cinemesh media URL tokens at the edge: the same HMAC-SHA256 check as the origin
// (src/cinemesh/delivery/origin/signing.py documents the format), so the edge refuses tampered,
// expired or out-of-scope URLs without asking the origin, and caches by object path only.
//
//   /api/v1/stream/{expires}.{scope_segments}.{a|i}.{mac}/{object path}
//   mac = base64url(HMAC-SHA256(secret, expires \n scope_segments \n scope \n ip))
//   scope = the first scope_segments segments of the path + "/", or with scope_segments 0 the
//           whole object path (a token for that one object)
//
// The secret comes from the environment (nginx `env` directive), never from the config file.
var crypto = require('crypto');

var TOKEN = /^\/api\/v1\/stream\/([0-9]{1,12})\.([0-9]{1,2})\.([ai])\.([A-Za-z0-9_-]{43})\/(.+)$/;

function timingSafeEqual(a, b) {
    if (a.length !== b.length) {
        return false;
    }
    var diff = 0;
    for (var i = 0; i < a.length; i++) {
        diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
    }
    return diff === 0;
}

// "1" when the request's token opens its object path, else the refusal code.
function verdict(r) {
    var secret = process.env.CINEMESH_EDGE_SIGNING_SECRET;
    if (!secret) {
        return 'edge-misconfigured';
    }
    var m = r.uri.match(TOKEN);
    if (!m) {
        return 'url-token-malformed';
    }
    var expires = parseInt(m[1], 10);
    var segments = parseInt(m[2], 10);
    var parts = m[5].split('/');
    var scope;
    if (segments === 0) {
        scope = m[5];
    } else if (segments >= parts.length) {
        return 'url-token-scope';
    } else {
        scope = parts.slice(0, segments).join('/') + '/';
    }
    var ip = m[3] === 'i' ? r.remoteAddress : '';
    var mac = crypto.createHmac('sha256', secret)
        .update(expires + '\n' + segments + '\n' + scope + '\n' + ip)
        .digest('base64url');
    if (!timingSafeEqual(mac, m[4])) {
        return 'url-token-invalid';
    }
    if (expires < Date.now() / 1000) {
        return 'url-token-expired';
    }
    return '1';
}

export default { verdict };

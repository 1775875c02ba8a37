package loggen

import (
	"encoding/base64"
	"encoding/binary"
	"strconv"
)

// Result types as logged in x-edge-result-type, x-edge-response-result-type
// and (for healthy traffic) x-edge-detailed-result-type.
const (
	resHit uint8 = iota
	resMiss
	resRefreshHit
	resRedirect
	resError
	// Edge-function failures. LambdaExecutionError is the one AWS documents
	// in x-edge-result-type and x-edge-response-result-type (standard
	// logging reference, https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/standard-logs-reference.html);
	// the others are the names of CloudFront's Lambda@Edge and CloudFront
	// Functions error responses, logged in x-edge-response-result-type and
	// x-edge-detailed-result-type with x-edge-result-type Error.
	resLambdaExecutionError
	resLambdaValidationError
	resLambdaLimitExceeded
	resFunctionExecutionError
	resFunctionThrottledError
)

var resultNames = [...]string{"Hit", "Miss", "RefreshHit", "Redirect", "Error",
	"LambdaExecutionError", "LambdaValidationError", "LambdaLimitExceeded", "FunctionExecutionError", "FunctionThrottledError"}

// HTTP versions (cs-protocol-version).
const (
	verH2 uint8 = iota
	verH11
	verH3
)

var versionNames = [...]string{"HTTP/2.0", "HTTP/1.1", "HTTP/3.0"}

// Cookie modes for one request.
const (
	cookieAll     uint8 = iota // everything the browser holds
	cookieNonAuth              // next-auth cookies stripped (others remain)
	cookieNone                 // no Cookie header at all
)

// urlEncodeCF encodes s the way CloudFront encodes cs(User-Agent) and
// similar fields: spaces, control characters, non-ASCII and a few unsafe
// characters become %XX; everything else (including ;,()/:+) is kept.
func urlEncodeCF(s string) string {
	const hex = "0123456789ABCDEF"
	b := make([]byte, 0, len(s)+16)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '`' || c == '{' || c == '}' || c == '|' || c == '^' {
			b = append(b, '%', hex[c>>4], hex[c&15])
			continue
		}
		b = append(b, c)
	}
	return string(b)
}

// doubleEncode re-encodes every '%' of an already encoded value, as some
// CloudFront logs show for user agents ("%2520").
func doubleEncode(s string) string {
	b := make([]byte, 0, len(s)+len(s)/8)
	for i := 0; i < len(s); i++ {
		if s[i] == '%' {
			b = append(b, "%25"...)
			continue
		}
		b = append(b, s[i])
	}
	return string(b)
}

// appendMillis appends ms as seconds with exactly three decimals.
func appendMillis(b []byte, ms int) []byte {
	if ms < 0 {
		ms = 0
	}
	b = strconv.AppendInt(b, int64(ms/1000), 10)
	f := ms % 1000
	return append(b, '.', byte('0'+f/100), byte('0'+f/10%10), byte('0'+f%10))
}

func append2(b []byte, v int) []byte { return append(b, byte('0'+v/10), byte('0'+v%10)) }

// appendDateTime appends "YYYY-MM-DD\tHH:MM:SS" for the Unix millisecond t.
func (g *gen) appendDateTime(b []byte, t int64) []byte {
	sec := t / 1000
	day := sec / 86400
	if day != g.dateDay {
		g.dateDay = day
		y, m, d := civil(day)
		g.dateBuf = [10]byte{
			byte('0' + y/1000), byte('0' + y/100%10), byte('0' + y/10%10), byte('0' + y%10), '-',
			byte('0' + m/10), byte('0' + m%10), '-', byte('0' + d/10), byte('0' + d%10),
		}
	}
	b = append(b, g.dateBuf[:]...)
	s := int(sec - day*86400)
	b = append(b, '\t')
	b = append2(b, s/3600)
	b = append(b, ':')
	b = append2(b, s/60%60)
	b = append(b, ':')
	return append2(b, s%60)
}

// civil converts days since 1970-01-01 to a proleptic Gregorian date
// (Howard Hinnant's algorithm).
func civil(z int64) (y, m, d int) {
	z += 719468
	era := z / 146097
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	yy := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = int(doy - (153*mp+2)/5 + 1)
	m = int(mp + 3)
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		yy++
	}
	return int(yy), m, d
}

// appendRequestID appends a 56-character x-edge-request-id: 40 random bytes
// in URL-safe base64, ending in "==".
func (g *gen) appendRequestID(b []byte) []byte {
	var raw [40]byte
	for i := 0; i < 40; i += 8 {
		binary.LittleEndian.PutUint64(raw[i:], g.src.Uint64())
	}
	return base64.URLEncoding.AppendEncode(b, raw[:])
}

func appendOrDash(b []byte, s string) []byte {
	if s == "" {
		return append(b, '-')
	}
	return append(b, s...)
}

// appendLine formats r as one log record (with trailing newline).
func (g *gen) appendLine(b []byte, r *req) []byte {
	cl := r.cl
	b = g.appendDateTime(b, r.t)
	b = append(b, '\t')
	b = append(b, r.edge...)
	b = append(b, '\t')
	b = strconv.AppendInt(b, int64(r.scBytes), 10)
	b = append(b, '\t')
	b = append(b, cl.ip...)
	b = append(b, '\t')
	b = append(b, r.method...)
	b = append(b, '\t')
	b = append(b, g.cfg.CloudFrontDomain...)
	b = append(b, '\t')
	b = append(b, r.stem...)
	b = append(b, '\t')
	b = strconv.AppendInt(b, int64(r.status), 10)
	b = append(b, '\t')
	b = appendOrDash(b, r.referer)
	b = append(b, '\t')
	b = appendOrDash(b, cl.ua)
	b = append(b, '\t')
	if len(r.queryB) > 0 {
		b = append(b, r.queryB...)
	} else {
		b = appendOrDash(b, r.query)
	}
	b = append(b, '\t')
	b = g.appendCookie(b, r)
	b = append(b, '\t')
	b = append(b, resultNames[r.result]...)
	b = append(b, '\t')
	b = g.appendRequestID(b)
	b = append(b, '\t')
	if r.cfHost {
		b = append(b, g.cfg.CloudFrontDomain...)
	} else {
		b = append(b, g.cfg.Domain...)
	}
	if r.plainHTTP {
		b = append(b, "\thttp\t"...)
	} else {
		b = append(b, "\thttps\t"...)
	}
	b = strconv.AppendInt(b, int64(r.csBytes), 10)
	b = append(b, '\t')
	b = appendMillis(b, r.taken)
	b = append(b, '\t')
	b = appendOrDash(b, cl.xff)
	switch {
	case r.plainHTTP:
		b = append(b, "\t-\t-\t"...)
	case cl.tls13 || r.ver == verH3:
		b = append(b, "\tTLSv1.3\tTLS_AES_128_GCM_SHA256\t"...)
	default:
		b = append(b, "\tTLSv1.2\tECDHE-RSA-AES128-GCM-SHA256\t"...)
	}
	b = append(b, resultNames[r.respResult]...)
	b = append(b, '\t')
	b = append(b, versionNames[r.ver]...)
	b = append(b, "\t-\t-\t"...)
	b = strconv.AppendInt(b, int64(r.port), 10)
	b = append(b, '\t')
	b = appendMillis(b, r.ttfb)
	b = append(b, '\t')
	if r.detailed != "" {
		b = append(b, r.detailed...)
	} else {
		b = append(b, resultNames[r.result]...)
	}
	b = append(b, '\t')
	b = appendOrDash(b, r.ctype)
	b = append(b, '\t')
	if r.clen < 0 {
		b = append(b, '-')
	} else {
		b = strconv.AppendInt(b, int64(r.clen), 10)
	}
	if r.rangeStart < 0 {
		b = append(b, "\t-\t-\n"...)
	} else {
		b = append(b, '\t')
		b = strconv.AppendInt(b, r.rangeStart, 10)
		b = append(b, '\t')
		b = strconv.AppendInt(b, r.rangeEnd, 10)
		b = append(b, '\n')
	}
	return b
}

// appendCookie appends the cs(Cookie) value of r.
func (g *gen) appendCookie(b []byte, r *req) []byte {
	if !g.cfg.CookieLogging || r.cookie == cookieNone {
		return append(b, '-')
	}
	cl := r.cl
	n := len(b)
	sep := func(b []byte) []byte {
		if len(b) > n {
			b = append(b, ";%20"...)
		}
		return b
	}
	if r.cookie == cookieAll && cl.csrf != "" {
		b = append(b, "__Host-next-auth.csrf-token="...)
		b = append(b, cl.csrf...)
		b = append(b, ";%20__Secure-next-auth.callback-url="...)
		b = append(b, g.callbackCookie...)
		if s := r.sessionCookie(); s != "" {
			b = append(b, ";%20"...)
			b = append(b, s...)
		}
	}
	if r.cookie == cookieAll && r.extraCookie != "" {
		b = sep(b)
		b = append(b, r.extraCookie...)
	}
	if cl.ga != "" {
		b = sep(b)
		b = append(b, cl.ga...)
	}
	if len(b) == n {
		b = append(b, '-')
	}
	return b
}

// cookieBytes estimates the size of the Cookie request header r carries
// (whether or not cookie logging is on), for cs-bytes.
func (r *req) cookieBytes() int {
	if r.cookie == cookieNone {
		return 0
	}
	cl := r.cl
	n := 0
	if r.cookie == cookieAll && cl.csrf != "" {
		n += 60 + len(cl.csrf) + len(r.sessionCookie())
	}
	n += len(cl.ga) + len(r.extraCookie)
	if n > 0 {
		n += 10
	}
	return n
}

// sessionCookie is the session-token cookie(s) r carries: the client's,
// unless an incident replaced them for this request.
func (r *req) sessionCookie() string {
	if r.session != "" {
		return r.session
	}
	return r.cl.session
}

package probe

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// maxBody bounds how much of a response body is read (JSON answers and
// error pages are small).
const maxBody = 64 << 10

// attempts is how many times a request is tried when the network fails
// (never on an HTTP status).
const attempts = 3

// request is one request a check makes.
type request struct {
	method      string
	path        string // absolute path
	rawQuery    string // built by the check from constants; never secret
	body        []byte
	contentType string
	headers     [][2]string // check-specific headers (Origin, …)
	cookies     []*http.Cookie
	once        bool // no retry (large-cookie: a reset may be the refusal)
}

// response is what the check logic reads; the Exchange is what is reported.
type response struct {
	ex      *Exchange
	header  http.Header
	body    []byte
	cookies []*http.Cookie
}

// do sends r, retrying on network errors only, and records the exchange.
func (p *prober) do(ctx context.Context, r request) *response {
	u := *p.base
	u.Path = r.path
	u.RawQuery = r.rawQuery
	ex := &Exchange{Method: r.method, URL: u.String()}

	hdr := [][2]string{{"User-Agent", p.ua}}
	for _, h := range p.opts.Headers {
		hdr = append(hdr, [2]string{h.Name, h.Value})
	}
	hdr = append(hdr, [2]string{"Accept", "application/json, text/html;q=0.5, */*;q=0.1"})
	hdr = append(hdr, r.headers...)
	if len(r.cookies) > 0 {
		var cb strings.Builder
		for i, c := range r.cookies {
			if i > 0 {
				cb.WriteString("; ")
			}
			cb.WriteString(c.Name + "=" + c.Value)
			ex.CookiesSent = append(ex.CookiesSent, NamedSize{Name: c.Name, Size: len(c.Value)})
		}
		hdr = append(hdr, [2]string{"Cookie", cb.String()})
	}
	if r.body != nil {
		hdr = append(hdr, [2]string{"Content-Type", r.contentType})
	}
	// The request line and headers as HTTP/1.1 sends them.
	size := len(r.method) + 1 + len(u.RequestURI()) + len(" HTTP/1.1\r\n") + len("Host: \r\n") + len(u.Host) + len("\r\n")
	ex.Sent = append(ex.Sent, NamedSize{Name: "Host", Size: len(u.Host)})
	for _, h := range hdr {
		size += len(h[0]) + 2 + len(h[1]) + 2
		ex.Sent = append(ex.Sent, NamedSize{Name: h[0], Size: len(h[1])})
	}
	if r.body != nil {
		cl := strconv.Itoa(len(r.body))
		size += len("Content-Length: \r\n") + len(cl)
		ex.Sent = append(ex.Sent, NamedSize{Name: "Content-Length", Size: len(cl)})
	}
	ex.HeaderBytes = size

	n := attempts
	if r.once {
		n = 1
	}
	start := time.Now()
	defer func() { ex.DurationMS = time.Since(start).Milliseconds() }()
	for i := 0; i < n; i++ {
		if i > 0 {
			select {
			case <-ctx.Done():
				ex.Error = esc(ctx.Err().Error())
				return &response{ex: ex}
			case <-time.After(time.Duration(i) * 300 * time.Millisecond):
			}
		}
		ex.Attempts++
		p.requests++
		resp, err := p.send(ctx, r, u.String(), hdr)
		if err != nil {
			ex.Error = esc(err.Error())
			if ctx.Err() != nil {
				break
			}
			continue
		}
		ex.Error = ""
		return p.record(ex, resp)
	}
	return &response{ex: ex}
}

func (p *prober) send(ctx context.Context, r request, u string, hdr [][2]string) (*http.Response, error) {
	ctx, cancel := context.WithTimeout(ctx, p.opts.Timeout)
	defer cancel()
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u, body)
	if err != nil {
		return nil, fmt.Errorf("probe: %s %s: %w", r.method, u, err)
	}
	for _, h := range hdr {
		req.Header.Add(h[0], h[1])
	}
	resp, err := p.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", r.method, u, errors.Unwrap(err))
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, fmt.Errorf("%s %s: reading the body: %w", r.method, u, err)
	}
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return resp, nil
}

// decisive are the response headers the checks read, in print order.
var decisive = []string{
	"X-Cache", "Age", "Via", "X-Amz-Cf-Pop", "X-Amz-Cf-Id", "Server", "Content-Type", "Cache-Control", "Location",
	"Access-Control-Allow-Origin", "Access-Control-Allow-Methods", "Access-Control-Allow-Headers", "Access-Control-Allow-Credentials",
	"X-Amzn-ErrorType", "X-Amzn-RequestId", "X-Amz-Apigw-Id",
}

func (p *prober) record(ex *Exchange, resp *http.Response) *response {
	body, _ := io.ReadAll(resp.Body) // a bytes.Reader: no error
	ex.Status = resp.StatusCode
	ex.ViaCloudFront = viaCloudFront(resp.Header)
	ex.AnsweredBy, ex.Signature = classify(resp.StatusCode, resp.Header, body)
	for _, name := range decisive {
		for _, v := range resp.Header.Values(name) {
			if name == "Location" {
				v = redactURL(v)
			}
			ex.Headers = append(ex.Headers, Header{Name: strings.ToLower(name), Value: esc(v)})
		}
	}
	cookies := resp.Cookies()
	for _, c := range cookies {
		ex.CookiesSet = append(ex.CookiesSet, NamedSize{Name: esc(c.Name), Size: len(c.Value)})
	}
	return &response{ex: ex, header: resp.Header, body: body, cookies: cookies}
}

// redactURL replaces the query values of a redirect target (OAuth state,
// nonces, tokens) with "…", except NextAuth's error and csrf flags.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.RawQuery == "" {
		return s
	}
	q := u.Query()
	for k := range q {
		if k != "error" && k != "csrf" {
			q[k] = []string{"…"}
		}
	}
	u.RawQuery = q.Encode()
	u.User = nil
	return u.String()
}

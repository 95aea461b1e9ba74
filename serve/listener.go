package serve

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
)

// NewListener wraps ln so that the errors Go's HTTP server answers by
// itself, before a request reaches the handler, are JSON like every other
// error: a malformed request line or header, a bad Content-Length, a missing
// Host, a header block over http.Server.MaxHeaderBytes (431), an
// unsupported Transfer-Encoding (501), and headers cut off by the read
// header timeout (408; net/http says 400, or nothing). Serve the Server's
// handler on the returned listener.
func NewListener(ln net.Listener) net.Listener { return &jsonListener{ln} }

type jsonListener struct{ net.Listener }

func (l *jsonListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &jsonConn{Conn: c}, nil
}

// goErrorHeaders is what net/http writes after the status line of the
// responses it makes itself (server.go, conn.serve).
const goErrorHeaders = "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"

// jsonConn rewrites net/http's plain-text error responses into JSON.
type jsonConn struct {
	net.Conn
	mu        sync.Mutex
	readSince int  // bytes read since the last write
	timedOut  bool // a read timed out after bytes of a new request arrived
}

func (c *jsonConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.mu.Lock()
	c.readSince += n
	var ne net.Error
	if err != nil && errors.As(err, &ne) && ne.Timeout() && c.readSince > 0 {
		c.timedOut = true
	}
	c.mu.Unlock()
	return n, err
}

func (c *jsonConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	late := c.timedOut
	c.readSince, c.timedOut = 0, false
	c.mu.Unlock()
	if out, ok := rewriteGoError(p); ok {
		if late {
			// net/http answers a header read timeout as a bad request.
			out = jsonResponse(408, "Request Timeout", "the request headers were not received in time")
		}
		if _, err := c.Conn.Write(out); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	return c.Conn.Write(p)
}

// Close answers 408 first when the server gives up on a request whose
// headers stopped arriving.
func (c *jsonConn) Close() error {
	c.mu.Lock()
	late := c.timedOut
	c.timedOut = false
	c.mu.Unlock()
	if late {
		c.Conn.Write(jsonResponse(408, "Request Timeout", "the request headers were not received in time"))
	}
	return c.Conn.Close()
}

// CloseWrite lets net/http half-close the connection after a 431.
func (c *jsonConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// rewriteGoError turns "HTTP/1.1 CODE TEXT[: detail]" + goErrorHeaders +
// body into the same status with a JSON body.
func rewriteGoError(p []byte) ([]byte, bool) {
	if !bytes.HasPrefix(p, []byte("HTTP/1.1 ")) {
		return nil, false
	}
	eol := bytes.Index(p, []byte("\r\n"))
	if eol < 0 || !bytes.HasPrefix(p[eol:], []byte(goErrorHeaders)) {
		return nil, false
	}
	status := string(p[len("HTTP/1.1 "):eol])
	codeText, text, _ := bytes.Cut([]byte(status), []byte(" "))
	code, err := strconv.Atoi(string(codeText))
	if err != nil || code < 400 {
		return nil, false
	}
	reason, detail, _ := bytes.Cut(text, []byte(": "))
	msg := string(p[eol+len(goErrorHeaders):])
	if len(detail) > 0 {
		msg = string(reason) + ": " + string(detail)
	}
	return jsonResponse(code, string(reason), "malformed HTTP request: "+msg), true
}

func jsonResponse(code int, reason, msg string) []byte {
	body, _ := json.Marshal(map[string]string{"error": msg})
	body = append(body, '\n')
	return fmt.Appendf(nil, "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s", code, reason, len(body), body)
}

package ingress

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
)

// The ingress-nginx annotations netdoctor reads (https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/annotations/).
// Only ingress-nginx (IngressClass controller k8s.io/ingress-nginx) reads them; the F5
// NGINX Ingress Controller uses nginx.org/ annotations instead.
const (
	NginxAnnotationPrefix      = "nginx.ingress.kubernetes.io/"
	CanaryAnnotation           = NginxAnnotationPrefix + "canary"
	BackendProtocolAnnotation  = NginxAnnotationPrefix + "backend-protocol"
	RewriteTargetAnnotation    = NginxAnnotationPrefix + "rewrite-target"
	UseRegexAnnotation         = NginxAnnotationPrefix + "use-regex"
	SSLPassthroughAnnotation   = NginxAnnotationPrefix + "ssl-passthrough"
	ingressNginxControllerName = "ingress-nginx"
)

// ingressNginx reports whether ingress-nginx serves the Ingress, so that its annotations
// take effect; otherwise why not. An Ingress whose IngressClass is unknown (not found,
// or not in -f input) is given the benefit of the doubt: its nginx.ingress.kubernetes.io
// annotations name the controller its author meant.
func (s *State) ingressNginx() (bool, string) {
	if s.Class == nil {
		return true, ""
	}
	c := s.Class.Spec.Controller
	if k, ok := lookupController(c); ok && k.Name == ingressNginxControllerName || strings.Contains(c, ingressNginxControllerName) {
		return true, ""
	}
	return false, fmt.Sprintf("IngressClass %s is served by %s, which does not read %s annotations", s.Class.Name, c, strings.TrimSuffix(NginxAnnotationPrefix, "/"))
}

// annotationBool reads a boolean annotation as ingress-nginx does (strconv.ParseBool:
// "true", "True", "1", ...); a missing or unparsable value is false.
func annotationBool(ing *networkingv1.Ingress, key string) bool {
	v, ok := ing.Annotations[key]
	if !ok {
		return false // most Ingresses: no error built for ParseBool("") per pair compared
	}
	b, err := strconv.ParseBool(v)
	return err == nil && b
}

// annotationString reads a string annotation as ingress-nginx does: every line trimmed.
func annotationString(ing *networkingv1.Ingress, key string) string {
	lines := strings.Split(ing.Annotations[key], "\n")
	for i := range lines {
		lines[i] = strings.TrimSpace(lines[i])
	}
	return strings.Join(lines, "\n")
}

// isCanary reports whether ingress-nginx treats the Ingress as a canary.
func isCanary(ing *networkingv1.Ingress) bool {
	return annotationBool(ing, CanaryAnnotation)
}

// The protocols of the backend-protocol annotation, as ingress-nginx names them.
const (
	protoHTTP     = "HTTP"
	protoHTTPS    = "HTTPS"
	protoGRPC     = "GRPC"
	protoGRPCS    = "GRPCS"
	protoAutoHTTP = "AUTO_HTTP"
	protoFCGI     = "FCGI"
	// Only on the Service side: cleartext HTTP/2, and TLS of unknown content.
	protoH2C = "H2C"
	protoTLS = "TLS"
)

// nginxProtocol is what ingress-nginx speaks to the backends given the backend-protocol
// annotation value raw (set says whether it is present), with a note when the value is
// not what the controller takes. ingress-nginx trims and lower-cases the value and
// accepts auto_http, http, https, grpc, grpcs and fcgi; anything else fails its
// validation and the controller logs a warning and uses HTTP (backendprotocol.Parse),
// as it does without the annotation.
func nginxProtocol(raw string, set bool) (string, string) {
	if !set || strings.TrimSpace(raw) == "" {
		return protoHTTP, "backend-protocol is not set: ingress-nginx speaks plain HTTP/1.1 to the backends"
	}
	v := strings.ToUpper(strings.TrimSpace(raw))
	switch v {
	case protoHTTP, protoHTTPS, protoGRPC, protoGRPCS, protoAutoHTTP, protoFCGI:
		return v, ""
	}
	return protoHTTP, fmt.Sprintf("backend-protocol %q is not a value ingress-nginx accepts (HTTP, HTTPS, AUTO_HTTP, GRPC, GRPCS, FCGI): the controller ignores it and speaks plain HTTP/1.1", raw)
}

// servicePortProtocol is the protocol a Service port declares: its appProtocol when set
// (IANA names, kubernetes.io/h2c, kubernetes.io/ws and wss, grpc), else its name by the
// widespread <protocol>[-<suffix>] convention (https, grpc-api, http2, ...). It returns
// "" when neither says anything netdoctor can compare, and what it was read from.
func servicePortProtocol(sp *corev1.ServicePort) (string, string) {
	if sp.AppProtocol != nil && *sp.AppProtocol != "" {
		ap := *sp.AppProtocol
		return appProtocolClass(ap), "appProtocol " + ap
	}
	if sp.Name == "" {
		return "", ""
	}
	prefix, _, _ := strings.Cut(strings.ToLower(sp.Name), "-")
	if sp.Name == "grpc-web" || strings.HasPrefix(strings.ToLower(sp.Name), "grpc-web-") {
		// gRPC-Web is carried over HTTP/1.1 as well as HTTP/2.
		return protoHTTP, "name " + sp.Name
	}
	class := ""
	switch prefix {
	case "http":
		class = protoHTTP
	case "https":
		class = protoHTTPS
	case "grpc":
		class = protoGRPC
	case "grpcs":
		class = protoGRPCS
	case "http2", "h2c":
		class = protoH2C
	case "tls":
		class = protoTLS
	}
	if class == "" {
		return "", ""
	}
	return class, "name " + sp.Name
}

func appProtocolClass(ap string) string {
	switch strings.ToLower(ap) {
	case "http", "kubernetes.io/ws", "grpc-web":
		return protoHTTP
	case "https", "kubernetes.io/wss":
		return protoHTTPS
	case "grpc":
		return protoGRPC
	case "grpcs":
		return protoGRPCS
	case "h2c", "kubernetes.io/h2c", "http2":
		return protoH2C
	case "tls":
		return protoTLS
	}
	return ""
}

// protocolMismatch says why ingress-nginx speaking nginx cannot talk to a backend port
// that declares backend, or "" when they agree (or the combination is not conclusive).
// Only what fails for certain is reported: TLS against cleartext either way, HTTP/1.1
// against a gRPC server, HTTP/2 (grpc_pass) against an HTTP/1 server, and FastCGI
// against any web protocol.
func protocolMismatch(nginx, backend string) string {
	const (
		plainToTLS = "nginx opens a cleartext connection to a port that expects a TLS handshake: the backend resets it or answers 400 (plain HTTP request sent to HTTPS port), and clients get 502 Bad Gateway"
		tlsToPlain = "nginx starts a TLS handshake with a port that speaks cleartext: the handshake fails (SSL routines: wrong version number) and clients get 502 Bad Gateway"
		h1ToGRPC   = "nginx sends HTTP/1.1 (proxy_pass) to a gRPC server, which speaks only HTTP/2: the backend rejects the requests and clients get 502 Bad Gateway"
		h2ToH1     = "nginx speaks HTTP/2 (grpc_pass) to a port that serves HTTP/1.1: the backend rejects the HTTP/2 preface and clients get 502 Bad Gateway"
		fcgiToWeb  = "nginx speaks FastCGI (fastcgi_pass) to a port that serves a web protocol: clients get 502 Bad Gateway"
	)
	bad := map[string]map[string]string{
		protoHTTP:     {protoHTTPS: plainToTLS, protoGRPCS: plainToTLS, protoTLS: plainToTLS, protoGRPC: h1ToGRPC},
		protoHTTPS:    {protoHTTP: tlsToPlain, protoGRPC: tlsToPlain, protoH2C: tlsToPlain, protoGRPCS: "nginx sends HTTP/1.1 over TLS (proxy_pass https://) to a gRPC server, which speaks only HTTP/2: clients get 502 Bad Gateway"},
		protoGRPC:     {protoHTTP: h2ToH1, protoHTTPS: plainToTLS, protoGRPCS: plainToTLS, protoTLS: plainToTLS},
		protoGRPCS:    {protoHTTP: tlsToPlain, protoGRPC: tlsToPlain, protoH2C: tlsToPlain},
		protoAutoHTTP: {protoGRPC: h1ToGRPC, protoGRPCS: h1ToGRPC},
		protoFCGI:     {protoHTTP: fcgiToWeb, protoHTTPS: fcgiToWeb, protoGRPC: fcgiToWeb, protoGRPCS: fcgiToWeb, protoH2C: fcgiToWeb, protoTLS: fcgiToWeb},
	}
	return bad[nginx][backend]
}

// suggestedProtocol is the backend-protocol value for a port that declares backend.
func suggestedProtocol(backend string) string {
	switch backend {
	case protoHTTPS, protoTLS:
		return protoHTTPS
	case protoGRPC, protoGRPCS:
		return backend
	}
	return protoHTTP
}

// captureRefs lists the capture groups a rewrite target refers to, as nginx compiles
// it (ngx_http_script_compile): "$1" to "$9" (one digit: "$10" is $1 then "0") and
// "${N}". Sorted, without duplicates.
func captureRefs(target string) []int {
	var refs []int
	for i := 0; i < len(target); i++ {
		if target[i] != '$' || i+1 == len(target) {
			continue
		}
		if c := target[i+1]; c >= '1' && c <= '9' {
			refs = append(refs, int(c-'0'))
			i++
			continue
		}
		if target[i+1] == '{' {
			end := strings.IndexByte(target[i+2:], '}')
			if end < 0 {
				continue
			}
			if n, err := strconv.Atoi(target[i+2 : i+2+end]); err == nil && n > 0 {
				refs = append(refs, n)
			}
			i += 2 + end
		}
	}
	slices.Sort(refs)
	return slices.Compact(refs)
}

// captureGroups counts the capturing groups of a PCRE pattern: "(" that is not escaped,
// not inside a character class, and not a non-capturing construct ("(?:", lookarounds,
// "(*VERB)"); named groups "(?<n>", "(?P<n>" and "(?'n'" capture.
func captureGroups(pattern string) int {
	n := 0
	inClass := false
	for i := 0; i < len(pattern); i++ {
		c := pattern[i]
		switch {
		case c == '\\':
			if i+1 < len(pattern) && pattern[i+1] == 'Q' {
				end := strings.Index(pattern[i+2:], `\E`)
				if end < 0 {
					return n
				}
				i += 2 + end + 1
				continue
			}
			i++
		case inClass:
			if c == ']' {
				inClass = false
			}
		case c == '[':
			inClass = true
			if i+1 < len(pattern) && pattern[i+1] == '^' {
				i++
			}
			if i+1 < len(pattern) && pattern[i+1] == ']' {
				i++ // a ']' first in a class is literal
			}
		case c == '(':
			rest := pattern[i+1:]
			switch {
			case strings.HasPrefix(rest, "?P<"), strings.HasPrefix(rest, "?'"):
				n++
			case strings.HasPrefix(rest, "?<") && !strings.HasPrefix(rest, "?<=") && !strings.HasPrefix(rest, "?<!"):
				n++
			case strings.HasPrefix(rest, "?"), strings.HasPrefix(rest, "*"):
			default:
				n++
			}
		}
	}
	return n
}

// regexChars are the characters that make a path a regular expression rather than a
// literal, the regex characters ingress-nginx's annotation validation names.
const regexChars = `^$[](){}*+?|\`

// hasRegexChars reports whether path contains regex syntax at all.
func hasRegexChars(path string) bool {
	return strings.ContainsAny(path, regexChars)
}

// expandRewrite is what nginx makes of target for a path regex with groups capture
// groups: references to groups the regex lacks become empty strings
// (ngx_http_script_copy_capture_code copies nothing for them); the others stay as "$N".
func expandRewrite(target string, groups int) string {
	var b strings.Builder
	for i := 0; i < len(target); i++ {
		if target[i] == '$' && i+1 < len(target) {
			if c := target[i+1]; c >= '1' && c <= '9' {
				if int(c-'0') <= groups {
					b.WriteString(target[i : i+2])
				}
				i++
				continue
			}
			if target[i+1] == '{' {
				if end := strings.IndexByte(target[i+2:], '}'); end >= 0 {
					if n, err := strconv.Atoi(target[i+2 : i+2+end]); err == nil && n > 0 {
						if n <= groups {
							b.WriteString(target[i : i+3+end])
						}
						i += 2 + end
						continue
					}
				}
			}
		}
		b.WriteByte(target[i])
	}
	return b.String()
}

package main

import (
	"archive/tar"
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gogan/gan/infer"
	"github.com/gogan/gan/internal/npy"
)

// server is a gan-gen serve process (this test binary as gan-gen).
type server struct {
	cmd    *exec.Cmd
	url    string
	mu     sync.Mutex
	stderr bytes.Buffer
	exited chan error
}

func (s *server) log() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stderr.String()
}

// startServer runs gan-gen serve on a free loopback port and waits for its
// "serving" line.
func startServer(t *testing.T, args ...string) *server {
	t.Helper()
	needLibrary(t)
	cmd := exec.Command(os.Args[0], append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(os.Environ(), "GAN_GEN_AS_MAIN=1")
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, exited: make(chan error, 1)}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			s.mu.Lock()
			s.stderr.Write(sc.Bytes())
			s.stderr.WriteByte('\n')
			s.mu.Unlock()
			var line struct{ Msg, URL string }
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "serving" {
				found <- line.URL
			}
		}
		s.exited <- cmd.Wait()
	}()
	t.Cleanup(func() { cmd.Process.Kill() })
	select {
	case s.url = <-found:
	case err := <-s.exited:
		t.Fatalf("gan-gen serve exited (%v):\n%s", err, s.log())
	case <-time.After(30 * time.Second):
		t.Fatalf("gan-gen serve did not start in 30s:\n%s", s.log())
	}
	return s
}

// stop sends SIGTERM and returns the exit error.
func (s *server) stop(t *testing.T) error {
	t.Helper()
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.exited:
		return err
	case <-time.After(30 * time.Second):
		t.Fatalf("gan-gen serve did not exit 30s after SIGTERM:\n%s", s.log())
	}
	return nil
}

func postJSON(c *http.Client, url, token, body string) (int, []byte, error) {
	req, _ := http.NewRequest("POST", url+"/v1/generate", strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// tarFiles lists a tar's members in order, name and contents.
func tarFiles(t *testing.T, b []byte) string {
	t.Helper()
	var out strings.Builder
	tr := tar.NewReader(bytes.NewReader(b))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out.String()
		}
		if err != nil {
			t.Fatalf("reading the tar: %v", err)
		}
		data, _ := io.ReadAll(tr)
		fmt.Fprintf(&out, "%s %x\n", h.Name, data)
	}
}

// serveCase is one request and the gan-gen flags that make the same output.
type serveCase struct {
	body string
	cli  []string
	kind string // png: one file; tar; npy
}

// TestServeMatchesCLI: under concurrent mixed requests, merged into shared
// onnxruntime runs, every response holds the bytes gan-gen writes for the
// same seeds, latents, labels and format; SIGTERM then drains and exits 0.
func TestServeMatchesCLI(t *testing.T) {
	needLibrary(t)
	dir := t.TempDir()
	z := make([][]float32, 3)
	flat := []float32{}
	for i := range z {
		z[i] = infer.Latent(uint64(900+i), 100, 0)
		z[i][0] = float32(i) - 1.5
		flat = append(flat, z[i]...)
	}
	zfile := filepath.Join(dir, "z.npy")
	f, _ := os.Create(zfile)
	npy.Write(f, []int{3, 100}, flat)
	f.Close()
	zjson, _ := json.Marshal(z)
	models := []struct {
		model string
		cases []serveCase
	}{
		{benchModel, []serveCase{
			{`{"seed": 5}`, []string{"-n", "1", "--seed", "5"}, "png"},
			{`{"seed": 6, "format": "jpeg", "quality": 75}`, []string{"-n", "1", "--seed", "6", "--format", "jpeg", "--quality", "75"}, "png"},
			{`{"n": 7, "seed": 100, "format": "tar"}`, []string{"-n", "7", "--seed", "100"}, "tar"},
			{`{"n": 40, "seed": 3}`, []string{"-n", "40", "--seed", "3"}, "tar"},
			{`{"n": 13, "seed": 77, "format": "npy"}`, []string{"-n", "13", "--seed", "77"}, "npy"},
			{`{"n": 9, "seed": 12, "truncation": 0.7, "format": "npy"}`, []string{"-n", "9", "--seed", "12", "--truncation", "0.7"}, "npy"},
			{`{"latents": ` + string(zjson) + `, "format": "tar"}`, []string{"--latents", zfile}, "tar"},
		}},
		{condModel, []serveCase{
			{`{"n": 8, "seed": 20, "format": "tar"}`, []string{"-n", "8", "--seed", "20"}, "tar"},
			{`{"n": 5, "seed": 1, "label": "dog", "image_format": "jpeg", "quality": 60}`, []string{"-n", "5", "--seed", "1", "--label", "dog", "--format", "jpeg", "--quality", "60"}, "tar"},
			{`{"seed": 44, "label": 2}`, []string{"-n", "1", "--seed", "44", "--label", "2"}, "png"},
			{`{"n": 6, "seed": 2, "format": "npy"}`, []string{"-n", "6", "--seed", "2"}, "npy"},
		}},
	}
	for _, m := range models {
		want := make([]string, len(m.cases))
		for k, c := range m.cases {
			args := append([]string{"--model", m.model}, c.cli...)
			switch c.kind {
			case "png":
				out := filepath.Join(dir, fmt.Sprint(k))
				mustRun(t, append(args, "--out", out)...)
				ents, _ := os.ReadDir(out)
				b, _ := os.ReadFile(filepath.Join(out, ents[0].Name()))
				want[k] = string(b)
			case "npy":
				out := filepath.Join(dir, fmt.Sprint(k)+".npy")
				mustRun(t, append(args, "--out", out)...)
				b, _ := os.ReadFile(out)
				want[k] = string(b)
			case "tar":
				b, _ := mustRun(t, append(args, "--out", "-")...)
				want[k] = tarFiles(t, b)
			}
		}
		s := startServer(t, "--model", m.model, "--max-wait", "20ms", "--max-batch", "64", "--queue", "1024")
		var wg sync.WaitGroup
		const rounds = 4
		for r := range rounds {
			for k, c := range m.cases {
				wg.Go(func() {
					code, b, err := postJSON(http.DefaultClient, s.url, "", c.body)
					if err != nil || code != 200 {
						t.Errorf("%s: %v, status %d: %s", c.body, err, code, b)
						return
					}
					got := string(b)
					if c.kind == "tar" {
						got = tarFiles(t, b)
					}
					if got != want[k] {
						t.Errorf("%s (round %d): the response differs from gan-gen %s", c.body, r, strings.Join(c.cli, " "))
					}
				})
			}
		}
		wg.Wait()
		code, body, _ := postJSON(http.DefaultClient, s.url, "", `{"n": 2, "format": "png"}`)
		if code != 400 || !strings.Contains(string(body), `"field":"format"`) {
			t.Errorf("n 2 as png: status %d, %s", code, body)
		}
		resp, err := http.Get(s.url + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		metrics, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var runs, images float64
		for _, line := range strings.Split(string(metrics), "\n") {
			fmt.Sscanf(line, "gogan_serve_batch_size_count %g", &runs)
			fmt.Sscanf(line, "gogan_serve_batch_size_sum %g", &images)
		}
		t.Logf("%s: %d requests in %g runs of %g images on average", m.model, rounds*len(m.cases), runs, images/runs)
		if runs == 0 || runs >= float64(rounds*len(m.cases)) {
			t.Errorf("%d requests ran in %g runs; want them merged into fewer", rounds*len(m.cases), runs)
		}
		var info map[string]any
		resp, err = http.Get(s.url + "/v1/model")
		if err != nil {
			t.Fatal(err)
		}
		json.NewDecoder(resp.Body).Decode(&info)
		resp.Body.Close()
		if info["model"] != m.model || info["z_dim"] == nil || info["onnxruntime"] == nil {
			t.Errorf("/v1/model: %v; want what gan-gen info --json prints", info)
		}
		if err := s.stop(t); err != nil {
			t.Errorf("exit after SIGTERM: %v; want 0\n%s", err, s.log())
		}
		if log := s.log(); !strings.Contains(log, `"msg":"drained"`) || !strings.Contains(log, `"msg":"request","method":"POST","path":"/v1/generate","status":200`) {
			t.Errorf("the log lacks the request lines or the drain:\n%s", log)
		}
	}
}

// TestServeFlags: a service off loopback needs TLS and a token; flags are
// checked before the model is opened.
func TestServeFlags(t *testing.T) {
	dir := t.TempDir()
	token := filepath.Join(dir, "token")
	os.WriteFile(token, []byte("abc\n"), 0o600)
	cert, key := selfSigned(t, dir)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--addr", "0.0.0.0:8080"}, "--addr 0.0.0.0:8080 is reachable from the network: give --token-file and --tls-cert/--tls-key"},
		{[]string{"--addr", ":8080", "--token-file", token}, "reachable from the network"},
		{[]string{"--addr", "10.1.2.3:8080", "--tls-cert", cert, "--tls-key", key}, "reachable from the network"},
		{[]string{"--tls-cert", cert}, "--tls-cert and --tls-key go together"},
		{[]string{"--addr", "8080"}, "want HOST:PORT"},
		{[]string{"--token-file", filepath.Join(dir, "none")}, "--token-file"},
		{[]string{"--tls-cert", key, "--tls-key", key}, "--tls-cert"},
		{[]string{"--max-batch", "0"}, "--max-batch 0"},
		{[]string{"--queue", "0"}, "--queue 0"},
		{[]string{"--timeout", "0s"}, "--timeout 0s"},
		{[]string{"--log-format", "xml"}, "--log-format xml"},
		{[]string{"extra"}, `unexpected argument "extra"`},
	} {
		// The flags are checked before the model is read: a missing one
		// here means a check that let the flags through fails fast instead
		// of serving.
		code, _, msg := runCLI(t, append([]string{"serve", "--model", filepath.Join(dir, "none.onnx")}, c.args...)...)
		if code != 2 || !strings.Contains(msg, c.want) {
			t.Errorf("serve %v: exit %d, %q; want 2 and %q", c.args, code, msg, c.want)
		}
	}
}

// TestServeTLS: with a certificate and a token, the service speaks HTTPS
// and refuses requests without the token.
func TestServeTLS(t *testing.T) {
	dir := t.TempDir()
	token := filepath.Join(dir, "token")
	os.WriteFile(token, []byte("s3cret\n"), 0o600)
	cert, key := selfSigned(t, dir)
	s := startServer(t, "--model", grayModel, "--token-file", token, "--tls-cert", cert, "--tls-key", key)
	if !strings.HasPrefix(s.url, "https://") {
		t.Fatalf("url %s; want https", s.url)
	}
	pemCert, _ := os.ReadFile(cert)
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pemCert)
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	if code, _, err := postJSON(c, s.url, "", `{}`); err != nil || code != 401 {
		t.Errorf("without the token: %v, status %d; want 401", err, code)
	}
	code, b, err := postJSON(c, s.url, "s3cret", `{"seed": 3}`)
	if err != nil || code != 200 || !bytes.HasPrefix(b, []byte("\x89PNG")) {
		t.Errorf("with the token: %v, status %d; want a PNG", err, code)
	}
	if err := s.stop(t); err != nil {
		t.Errorf("exit after SIGTERM: %v", err)
	}
}

// selfSigned writes a certificate for 127.0.0.1 and its key.
func selfSigned(t *testing.T, dir string) (cert, key string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "gan-gen test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, IsCA: true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(k)
	cert, key = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(key, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	return cert, key
}

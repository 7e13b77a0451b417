package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Every setting train's messages name ({field} in its source) has a flag
// in the settings table, so no message reaches a gan-train user in
// config.json's names.
func TestEverySettingHasAFlag(t *testing.T) {
	files, err := filepath.Glob("../../train/*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("train's sources: %v", err)
	}
	lit := regexp.MustCompile(`"(?:[^"\\\n]|\\.)*"`) // Go string literals
	ref := regexp.MustCompile(`\{([a-z0-9_.]+)\}`)
	seen := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ref.FindAllStringSubmatch(strings.Join(lit.FindAllString(string(b), -1), " "), -1) {
			seen++
			if flagName(m[1]) == m[1] {
				t.Errorf("%s names setting %s, which has no gan-train flag in settings", filepath.Base(f), m[1])
			}
		}
	}
	if seen < 20 {
		t.Errorf("found %d setting names in train's messages; the pattern no longer matches them", seen)
	}
}

// Train reports a bad setting by field; gan-train words it as its flag,
// with exit status 2.
func TestSettingErrorsNameFlags(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--lr-g", "-1"}, "gan-train: --lr-g -1 / --lr-d 0.0008: learning rates must be positive\n"},
		{[]string{"--beta2", "1"}, "gan-train: --beta1 0.5 / --beta2 1: betas must be in [0, 1)\n"},
		{[]string{"--label-smoothing", "0.7"}, "gan-train: --label-smoothing 0.7: must be in [0, 0.5)\n"},
		{[]string{"--sample-every", "0"}, "gan-train: --sample-every and --checkpoint-every must be at least 1\n"},
		{[]string{"--model", "vae", "--recon", "huber"}, `gan-train: --recon "huber": choose one of mse, l1, bce` + "\n"},
		{[]string{"--recipe", "classic", "--recon", "l1"}, "gan-train: --recon applies to --model vae, not a GAN (--model dcgan)\n"},
		{[]string{"--snapshot-at", "1m,x"}, `gan-train: --snapshot-at "1m,x": "x" is not a positive duration (write e.g. 1m,3m,10m or 30s)` + "\n"},
	}
	for _, c := range cases {
		code, msg := runCLI(t, c.args...)
		if code != 2 || msg != c.want {
			t.Errorf("gan-train %v: exit %d, stderr %q; want exit 2, %q", c.args, code, msg, c.want)
		}
	}
}

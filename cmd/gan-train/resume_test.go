package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gogan/gan/train"
)

// A resumed run refuses every flag that differs from its saved setting
// (exit 2, naming the flag and the saved value), a combination that would
// not validate included, and a length shorter than what it has trained;
// --steps 0, --epochs 0 and a negative --gp-weight are refused up front.
// Nothing refused touches the run folder.
func TestResumeRefusesChangedSettings(t *testing.T) {
	folder := writeFolder(t, 4, 28)
	out := filepath.Join(t.TempDir(), "run")
	code, msg := runCLI(t, "--data", folder, "--image-size", "28", "--channels", "1", "--model", "mlp",
		"--steps", "2", "--batch-size", "2", "--threads", "1", "--seed", "3", "--out", out)
	if code != 0 {
		t.Fatalf("train: exit %d: %s", code, msg)
	}
	config := filepath.Join(out, "config.json")
	before, _ := os.ReadFile(config)
	cases := []struct {
		args []string
		want []string
	}{
		{[]string{"--image-size", "64"}, []string{"--image-size 64 differs from the saved run's --image-size 28", "only --steps, --epochs, --max-time and --snapshot-at may change"}},
		{[]string{"--lr-g", "0.5", "--batch-size", "0"}, []string{"differs from the saved run's", config}},
		{[]string{"--batch-size", "0"}, []string{"--batch-size 0 differs from the saved run's --batch-size 2"}},
		{[]string{"--seed", "4"}, []string{"--seed 4 differs from the saved run's --seed 3"}},
		{[]string{"--model", "dcgan"}, []string{"--model dcgan differs from the saved run's --model mlp"}},
		{[]string{"--loss", "lsgan", "--steps", "3"}, []string{"--loss lsgan differs from the saved run's --loss hinge"}},
		{[]string{"--recon", "l1"}, []string{`--recon l1 differs from the saved run's --recon "" (unset`}},
		{[]string{"--conditional"}, []string{"--conditional true differs from the saved run's --conditional false"}},
		{[]string{"--data", t.TempDir()}, []string{"--data", "differs from the saved run's --data " + folder}},
		{[]string{"--steps", "0"}, []string{"--steps 0: must be at least 1"}},
		{[]string{"--epochs", "0"}, []string{"--epochs 0: must be at least 1"}},
		{[]string{"--steps", "1"}, []string{"--steps 1 is fewer than the 2 steps the run in " + out + " has trained"}},
	}
	for _, c := range cases {
		args := append([]string{"--resume", out}, c.args...)
		code, msg := runCLI(t, args...)
		ok := code == 2
		for _, w := range c.want {
			ok = ok && strings.Contains(msg, w)
		}
		if !ok {
			t.Errorf("gan-train %v: exit %d, stderr %q; want exit 2 mentioning %q", args, code, msg, c.want)
		}
	}
	if after, _ := os.ReadFile(config); string(after) != string(before) {
		t.Errorf("a refused resume changed config.json:\n%s\nwas:\n%s", after, before)
	}
	// Flags that repeat the saved values are fine.
	code, msg = runCLI(t, "--resume", out, "--steps", "3", "--seed", "3", "--image-size", "28", "--data", folder+"/", "--max-time", "1h")
	if code != 0 || !strings.Contains(msg, "resuming "+out+" at step 2 of 3") {
		t.Fatalf("resume repeating the saved settings: exit %d: %s", code, msg)
	}
	if cfg, err := train.ReadConfig(config); err != nil || cfg.Steps != 3 {
		t.Errorf("config after resume: %+v, %v", cfg, err)
	}
	for _, args := range [][]string{{"--steps", "0"}, {"--epochs", "0"}, {"--gp-weight", "-5", "--loss", "wgan-gp"}, {"--gp-weight", "-5"}} {
		args = append(args, "--data", folder, "--image-size", "28", "--channels", "1", "--out", filepath.Join(t.TempDir(), "new"))
		code, msg := runCLI(t, args...)
		if code != 2 || !strings.Contains(msg, "--"+strings.TrimPrefix(args[0], "--")+" ") || strings.Contains(msg, "training") {
			t.Errorf("gan-train %v: exit %d: %s; want exit 2 naming %s", args, code, msg, args[0])
		}
	}
}

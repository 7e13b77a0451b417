// Package docs holds README's figures; its test checks that each one has
// the command that makes it.
package docs

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// Every image README shows is named in one of its code blocks (a command
// that writes it, or the line saying how it is assembled), so no figure is
// left without a way to reproduce it.
func TestEveryFigureHasItsCommand(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var code strings.Builder
	fenced := false
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "```") {
			fenced = !fenced
			continue
		}
		if fenced || strings.HasPrefix(line, "    ") {
			code.WriteString(line + "\n")
		}
	}
	images := regexp.MustCompile(`\]\((docs/[^)]+\.(?:png|gif))\)`).FindAllStringSubmatch(string(b), -1)
	if len(images) < 5 {
		t.Fatalf("found %d images in README; has its format changed?", len(images))
	}
	for _, m := range images {
		path := m[1]
		name := strings.TrimPrefix(path, "docs/")
		if !strings.Contains(code.String(), path) {
			t.Errorf("README shows %s but no command in it writes it", path)
		}
		if _, err := os.Stat(name); err != nil {
			t.Errorf("README shows %s, which is not committed: %v", path, err)
		}
	}
}

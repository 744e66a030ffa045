package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// make run killed in its suite step (a CI job's limit, kill -9) leaves
// none of the last run's reports or artifacts in OUT: a junit.xml or an
// index.html that passed would be published for this run (outside tester
// sw69). make lab's OUT/lab is another run's and stays.
func TestMakeRunKilledLeavesNoEarlierReports(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("no make")
	}
	root, err := filepath.Abs(filepath.Join("..", "..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	stale := []string{"report.json", "junit.xml", "index.html", "specs/s/spec.json", "specs/s/timeline.html",
		"scenarios/results.json", "scenarios/junit.xml", "scenarios/roam/timeline.html"}
	kept := "lab/junit.xml"
	for _, f := range append(stale, kept) {
		p := filepath.Join(out, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("an earlier run's, which passed\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// The suite step, as a CI limit ends it: the recipe's shell is killed
	// outright, so nothing after it (esimhil run, esimhil report) runs.
	suite := filepath.Join(t.TempDir(), "ginkgo")
	if err := os.WriteFile(suite, []byte("#!/bin/sh\nkill -KILL $PPID\nwhile kill -0 $PPID 2>/dev/null; do :; done\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	// deps and build are taken as done (-o): this is about the recipe.
	cmd := exec.Command("make", "-s", "-o", "deps", "-o", "build", "run", "OUT="+out, "GINKGO="+suite)
	cmd.Dir = root
	b, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("make run passed with its suite killed:\n%s", b)
	}
	for _, f := range stale {
		if _, err := os.Stat(filepath.Join(out, f)); err == nil {
			t.Errorf("make run killed in its suite left the earlier %s", f)
		}
	}
	if _, err := os.Stat(filepath.Join(out, kept)); err != nil {
		t.Errorf("make run removed make lab's %s: %v", kept, err)
	}
}

// make run removes the last run's reports from OUT first, so an OUT that
// is the repository or holds it is refused: OUT=. removed specs/, the
// suite's own sources (outside tester sw71), and so did OUT=$PWD through
// a symlink; so is one with whitespace (sw76). Run on a copy of the
// Makefile in a scratch tree, so a guard that fails removes nothing real.
func TestMakeRunRefusesTheRepositoryAsOut(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("no make")
	}
	mk, err := os.ReadFile(filepath.Join("..", "..", "..", "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	tree := t.TempDir()
	if err := os.WriteFile(filepath.Join(tree, "Makefile"), mk, 0o644); err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(tree, "specs", "suite_test.go")
	if err := os.MkdirAll(filepath.Dir(src), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(src, []byte("package specs\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{".", "./", "..", tree, "/"} {
		cmd := exec.Command("make", "-s", "-o", "deps", "-o", "build", "run", "OUT="+out, "GINKGO=false")
		cmd.Dir = tree
		b, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || !strings.Contains(string(b), "is the repository or holds it") {
			t.Errorf("OUT=%s: %v\n%s", out, err, b)
		}
		if _, err := os.Stat(src); err != nil {
			t.Fatalf("OUT=%s removed the sources: %v", out, err)
		}
	}
	// The tree entered through a symlink, OUT its logical path (a shell's
	// $PWD): make's $(CURDIR) is the resolved one (outside tester sw76:
	// specs/ removed). make clean removes OUT whole: the same guard.
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(tree, link); err != nil {
		t.Fatal(err)
	}
	for _, target := range []string{"run", "clean"} {
		cmd := exec.Command("make", "-s", "-o", "deps", "-o", "build", target, "OUT="+link, "GINKGO=false")
		cmd.Dir = link
		b, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(b), "is the repository or holds it") {
			t.Errorf("make %s OUT=%s through a symlink: %v\n%s", target, link, err, b)
		}
		if _, err := os.Stat(src); err != nil {
			t.Fatalf("make %s OUT=%s through a symlink removed the sources: %v", target, link, err)
		}
	}
	// An OUT with whitespace is two paths to rm -rf: "out 2" removed ./out
	// whole, make lab's recordings in out/lab with it.
	lab := filepath.Join(tree, "out", "lab", "rec.txt")
	if err := os.MkdirAll(filepath.Dir(lab), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(lab, []byte("make lab's\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A glob is expanded by the recipe's shell: OUT='s*' named specs/.
	for _, out := range []string{"out 2", "s*", "[o]ut"} {
		cmd := exec.Command("make", "-s", "-o", "deps", "-o", "build", "run", "OUT="+out, "GINKGO=false")
		cmd.Dir = tree
		if b, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(b), "holds a character other than") {
			t.Errorf("OUT=%q: %v\n%s", out, err, b)
		}
		if _, err := os.Stat(lab); err != nil {
			t.Fatalf(`OUT=%q removed out/lab: %v`, out, err)
		}
		if _, err := os.Stat(src); err != nil {
			t.Fatalf("OUT=%q removed the sources: %v", out, err)
		}
	}
	// A leading - is an option to the recipe's rm -rf and mkdir -p.
	for _, out := range []string{"-rf", "-v", "--"} {
		cmd := exec.Command("make", "-s", "clean", "OUT="+out)
		cmd.Dir = tree
		if b, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(b), "begins with -") {
			t.Errorf("make clean OUT=%s: %v\n%s", out, err, b)
		}
	}
	// A leading ~ is the shell's: expanded to a home directory in the
	// recipe, read as ./~ by a guard (make clean OUT=~ removed $HOME:
	// v252). HOME is a scratch one, so a guard that fails removes it.
	home := filepath.Join(t.TempDir(), "home")
	if err := os.MkdirAll(filepath.Join(home, "lab"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{"~", "~/", "~/lab"} {
		cmd := exec.Command("make", "-s", "clean", "OUT="+out)
		cmd.Dir = tree
		cmd.Env = append(os.Environ(), "HOME="+home)
		if b, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(b), "begins with ~") {
			t.Errorf("make clean OUT=%s: %v\n%s", out, err, b)
		}
		if _, err := os.Stat(filepath.Join(home, "lab")); err != nil {
			t.Fatalf("make clean OUT=%s removed $HOME's files: %v", out, err)
		}
	}
	// A directory of the repository's own files (OUT=fixtures removed
	// fixtures/scenarios/: outside tester sw77), as git knows them.
	if git, err := exec.LookPath("git"); err == nil {
		for _, args := range [][]string{{"init", "-q"}, {"add", "specs"}, {"-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "t"}} {
			if b, err := exec.Command(git, append([]string{"-C", tree}, args...)...).CombinedOutput(); err != nil {
				t.Fatalf("git %v: %v\n%s", args, err, b)
			}
		}
		for _, out := range []string{"specs", "out/../specs"} {
			cmd := exec.Command("make", "-s", "-o", "deps", "-o", "build", "run", "OUT="+out, "GINKGO=false")
			cmd.Dir = tree
			if b, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(b), "holds the repository's own files") {
				t.Errorf("OUT=%s: %v\n%s", out, err, b)
			}
			if _, err := os.Stat(src); err != nil {
				t.Fatalf("OUT=%s removed the sources: %v", out, err)
			}
		}
		// Its .git, which git ls-files does not list: make clean would
		// remove the history whole (v252).
		for _, out := range []string{".git", "./.git/", ".git/refs"} {
			cmd := exec.Command("make", "-s", "clean", "OUT="+out)
			cmd.Dir = tree
			if b, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(b), "is the repository's .git") {
				t.Errorf("make clean OUT=%s: %v\n%s", out, err, b)
			}
			if _, err := os.Stat(filepath.Join(tree, ".git", "HEAD")); err != nil {
				t.Fatalf("make clean OUT=%s removed .git: %v", out, err)
			}
		}
	}
	// Its own directory inside the tree is fine.
	cmd := exec.Command("make", "-s", "-o", "deps", "-o", "build", "run", "OUT=out", "GINKGO=false")
	cmd.Dir = tree
	if b, _ := cmd.CombinedOutput(); strings.Contains(string(b), "holds it") {
		t.Errorf("OUT=out refused:\n%s", b)
	}
}

// The Makefile's rpath, its OUT guard's path resolver in POSIX sh (macOS
// has no realpath -m), prints what GNU realpath -m does: symlinks to a
// directory, to a file, dangling, relative and absolute, and through a
// part that does not exist, `..` and `.` among them.
func TestMakeRpathIsRealpathM(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("no make")
	}
	if err := exec.Command("realpath", "-m", "/").Run(); err != nil {
		t.Skip("no GNU realpath -m to hold rpath against")
	}
	mk, err := filepath.Abs(filepath.Join("..", "..", "..", "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	tree := filepath.Join(root, "repo")
	for _, d := range []string{"repo/a/b", "other"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(tree, "file"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for link, to := range map[string]string{
		"link":        tree,       // the tree by another name
		"repo/a/ol":   "../other", // dangling: repo/other does not exist
		"flink":       "repo/file",
		"repo/self":   ".",
		"repo/up":     filepath.Join(tree, "a", "..", ".."),
		"repo/loop1":  "loop2",
		"repo/loop2":  "loop1",
		"repo/a/rel2": "../../other",
	} {
		if err := os.Symlink(to, filepath.Join(root, link)); err != nil {
			t.Fatal(err)
		}
	}
	rules := filepath.Join(root, "rp.mk")
	if err := os.WriteFile(rules, []byte("include "+mk+"\nrp:\n\t@$(rpath); rpath \"$$P\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{
		".", "./", "..", "/", "//", root + "//repo/./a/", "a/b", "a/../..",
		"nope", "nope/..", "nope/../..", "nope/../../link/a", "a/ol", "a/ol/..",
		"a/ol/x/../..", "a/rel2", "a/rel2/..", root + "/link", root + "/link/..",
		"../link/a/b/../../..", "out/../specs", "file", "file/x", "../flink",
		"self/self/a", "self/..", "up", "up/repo/up", "../link/self/../..",
		"../../../../../..", root + "/link/nope/../a",
	} {
		rp := exec.Command("realpath", "-m", "--", p)
		rp.Dir = tree
		want, err := rp.Output()
		if err != nil {
			t.Fatalf("realpath -m %s: %v", p, err)
		}
		cmd := exec.Command("make", "-s", "-f", rules, "rp")
		cmd.Dir = tree
		cmd.Env = append(os.Environ(), "P="+p)
		got, err := cmd.CombinedOutput()
		if err != nil || string(got) != string(want) {
			t.Errorf("rpath %s = %q (%v), want realpath -m's %q", p, got, err, want)
		}
	}
}

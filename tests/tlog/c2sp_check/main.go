// Command c2sp_check verifies an exported corridor log's checkpoints and witness cosignatures
// with independent C2SP implementations: golang.org/x/mod/sumdb/note (signed notes, Ed25519
// type 0x01) and github.com/transparency-dev/formats (tlog-checkpoint, cosignature/v1 type
// 0x04). It uses nothing of corridor: only the published verifier keys and the exported files.
//
//	c2sp_check EXPORT_DIR LOG_VKEY [WITNESS_COSIGNER_VKEY ...]
//
// For the checkpoint, and for each witness's cosigned/<key ID> checkpoint, it prints the origin,
// size and root hash, and the name and key ID of every verified signature; it exits 1 on the
// first signature, key ID or format that does not verify.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	fnote "github.com/transparency-dev/formats/note"
	"github.com/transparency-dev/formats/log"
	"golang.org/x/mod/sumdb/note"
)

func check(path string, verifiers note.Verifiers, names []string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	n, err := note.Open(data, verifiers)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	var cp log.Checkpoint
	if _, err := cp.Unmarshal([]byte(n.Text)); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	fmt.Printf("%s: origin %s, size %d, root %x\n", filepath.Base(path), cp.Origin, cp.Size, cp.Hash)
	seen := map[string]bool{}
	for _, s := range n.Sigs {
		fmt.Printf("  verified: %s (key ID %08x)\n", s.Name, s.Hash)
		seen[s.Name] = true
	}
	for _, want := range names {
		if !seen[want] {
			return fmt.Errorf("%s: no verified signature by %s", path, want)
		}
	}
	return nil
}

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: c2sp_check EXPORT_DIR LOG_VKEY [WITNESS_COSIGNER_VKEY ...]")
		os.Exit(2)
	}
	dir, logKey := os.Args[1], os.Args[2]
	logVerifier, err := note.NewVerifier(strings.TrimSpace(logKey))
	if err != nil {
		fmt.Fprintln(os.Stderr, "log key:", err)
		os.Exit(1)
	}
	all := []note.Verifier{logVerifier}
	witnesses := map[string]note.Verifier{}
	for _, vkey := range os.Args[3:] {
		v, err := fnote.NewVerifierForCosignatureV1(strings.TrimSpace(vkey))
		if err != nil {
			fmt.Fprintln(os.Stderr, "witness key:", err)
			os.Exit(1)
		}
		witnesses[fmt.Sprintf("%08x", v.KeyHash())] = v
		all = append(all, v)
	}
	verifiers := note.VerifierList(all...)
	failed := false
	if err := check(filepath.Join(dir, "checkpoint"), verifiers, []string{logVerifier.Name()}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		failed = true
	}
	keyIDs := make([]string, 0, len(witnesses))
	for keyID := range witnesses {
		keyIDs = append(keyIDs, keyID)
	}
	sort.Strings(keyIDs)
	for _, keyID := range keyIDs {
		v := witnesses[keyID]
		path := filepath.Join(dir, "cosigned", keyID)
		if err := check(path, verifiers, []string{logVerifier.Name(), v.Name()}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			failed = true
		}
	}
	if failed {
		os.Exit(1)
	}
}

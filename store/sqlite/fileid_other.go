//go:build !unix

package sqlite

import "os"

// fileID is a file's identity where dev/inode are not exposed: size and
// modification time would change with every write, so only presence is
// checked.
type fileID struct{}

func statID(path string) (fileID, error) {
	_, err := os.Stat(path)
	return fileID{}, err
}

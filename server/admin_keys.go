package server

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/lifecycle"
)

// AccessKeyJSON is an access key in the admin API. Secret is only in the
// answers of create and rotate: lists never show it.
type AccessKeyJSON struct {
	ID         string `json:"id"`
	Secret     string `json:"secret,omitempty"`
	AccountID  string `json:"accountId"`
	HomeRegion string `json:"homeRegion,omitempty"`
	Platform   string `json:"platform,omitempty"`
	Disabled   bool   `json:"disabled,omitempty"`
	Origin     string `json:"origin,omitempty"`
}

func accessKeyJSON(k *meterd.AccessKey, withSecret bool) AccessKeyJSON {
	out := AccessKeyJSON{ID: k.ID, AccountID: k.AccountID, HomeRegion: k.HomeRegion, Platform: string(k.Platform),
		Disabled: k.Disabled, Origin: string(k.Origin)}
	if withSecret {
		out.Secret = k.Secret
	}
	return out
}

func (s *Server) listAccessKeys(r *http.Request) (any, error) {
	c, err := s.listCatalog(r)
	if err != nil {
		return nil, err
	}
	out := []AccessKeyJSON{}
	for _, k := range c.AccessKeys {
		out = append(out, accessKeyJSON(k, false))
	}
	return out, nil
}

// CreateAccessKeyInput is the body of POST /admin/v1/access-keys; an empty
// id or secret is generated.
type CreateAccessKeyInput struct {
	ID         string `json:"id,omitempty"`
	Secret     string `json:"secret,omitempty"`
	AccountID  string `json:"accountId"`
	HomeRegion string `json:"homeRegion,omitempty"`
	Platform   string `json:"platform,omitempty"`
}

func (s *Server) createAccessKey(r *http.Request) (any, error) {
	store, err := s.catalog()
	if err != nil {
		return nil, err
	}
	var in CreateAccessKeyInput
	if err := decodeStrict(r, &in); err != nil {
		return nil, err
	}
	k := &meterd.AccessKey{ID: in.ID, Secret: in.Secret, AccountID: in.AccountID, HomeRegion: in.HomeRegion,
		Platform: meterd.Platform(in.Platform)}
	if k.ID == "" {
		if k.ID, err = randomText(15); err != nil {
			return nil, err
		}
		k.ID = "AKID" + strings.ToUpper(k.ID)
	}
	if k.Secret == "" {
		if k.Secret, err = randomText(30); err != nil {
			return nil, err
		}
	}
	if err := lifecycle.CheckAccessKey(k); err != nil {
		return nil, err
	}
	if err := store.CreateEntries(r.Context(), &meterd.Catalog{AccessKeys: []*meterd.AccessKey{k}}); err != nil {
		return nil, adminWriteError(err)
	}
	k.Origin = meterd.OriginAdmin
	return accessKeyJSON(k, true), nil
}

// randomText returns n random bytes as unpadded base64url without - or _,
// so that it is a valid key id part and a secret without quoting.
func randomText(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random key: %w", err)
	}
	return strings.NewReplacer("-", "A", "_", "B").Replace(base64.RawURLEncoding.EncodeToString(b)), nil
}

func (s *Server) rotateAccessKey(r *http.Request) (any, error) {
	secret, err := randomText(30)
	if err != nil {
		return nil, err
	}
	return s.changeAccessKey(r, true, func(k *meterd.AccessKey) { k.Secret = secret })
}

func (s *Server) disableAccessKey(r *http.Request) (any, error) {
	return s.changeAccessKey(r, false, func(k *meterd.AccessKey) { k.Disabled = true })
}

func (s *Server) enableAccessKey(r *http.Request) (any, error) {
	return s.changeAccessKey(r, false, func(k *meterd.AccessKey) { k.Disabled = false })
}

// changeAccessKey applies fn to the key of the path in one transaction.
func (s *Server) changeAccessKey(r *http.Request, withSecret bool, fn func(k *meterd.AccessKey)) (any, error) {
	store, err := s.catalog()
	if err != nil {
		return nil, err
	}
	k, err := store.UpdateAccessKey(r.Context(), r.PathValue("id"), func(k *meterd.AccessKey) error {
		fn(k)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return accessKeyJSON(k, withSecret), nil
}

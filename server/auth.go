package server

import (
	"fmt"
	"net/http"
	"regexp"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/awsproto/sigv4"
)

// regionName is the shape of a region in a credential scope; with auth
// off, anything else leaves the caller in us-east-1.
var regionName = regexp.MustCompile(`^[a-z0-9-]{1,32}$`)

// authenticate verifies the SigV4 signature and returns the caller. With
// auth turned off, a known key still acts as its own account (so buyer
// calls stay buyer calls) and an unknown key acts as FallbackAccount; a
// store failure is an error, not a reason to act as someone else.
func (s *Server) authenticate(r *http.Request, body []byte) (meterd.Caller, error) {
	if !s.AuthDisabled {
		return s.Verifier.Verify(r.Context(), r, body)
	}
	caller := meterd.Caller{AccountID: s.FallbackAccount, Region: "us-east-1"}
	auth, err := sigv4.ParseAuthorization(r.Header.Get("Authorization"))
	if err != nil {
		return caller, nil
	}
	caller.AccessKeyID = auth.AccessKeyID
	caller.Key = meterd.AccessKey{ID: auth.AccessKeyID, AccountID: s.FallbackAccount}
	if regionName.MatchString(auth.Region) {
		caller.Region = auth.Region
	}
	key, err := s.Store.FindAccessKey(r.Context(), auth.AccessKeyID)
	switch {
	case meterd.IsNotFound(err):
		return caller, nil
	case err != nil:
		return caller, fmt.Errorf("find access key: %w", err)
	}
	caller.AccountID = key.AccountID
	caller.Key = *key
	return caller, nil
}

package server

import (
	"net/http"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/awsproto/sigv4"
)

// authenticate verifies the SigV4 signature and returns the caller. With
// auth turned off, a known key still acts as its own account (so buyer
// calls stay buyer calls) and any other key acts as FallbackAccount.
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
	if auth.Region != "" {
		caller.Region = auth.Region
	}
	if key, err := s.Store.FindAccessKey(r.Context(), auth.AccessKeyID); err == nil {
		caller.AccountID = key.AccountID
		caller.Key = *key
	}
	return caller, nil
}

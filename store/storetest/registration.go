package storetest

import (
	"testing"
	"time"

	"github.com/meterd/meterd"
)

func registrationTests() []test {
	return []test{
		{"RegistrationToken/OK", testRegistrationToken},
		{"RegistrationToken/ErrConflict", testRegistrationTokenConflict},
		{"RegistrationToken/ErrNotFound", testRegistrationTokenNotFound},
		{"RegisterTask/OK", testRegisterTask},
		{"RegisterTask/Existing", testRegisterTaskExisting},
		{"RegisterTask/KeyColumns", testRegisterTaskKeys},
		{"FindTaskRegistration/ErrNotFound", testFindTaskNotFound},
		{"SigningKeys/OK", testSigningKeys},
		{"CreateSigningKey/ErrConflict", testCreateSigningKeyConflict},
		{"UpdateSigningKey/OK", testUpdateSigningKey},
		{"UpdateSigningKey/ErrNotFound", testUpdateSigningKeyNotFound},
	}
}

func fixtureToken(token string) *meterd.RegistrationToken {
	return &meterd.RegistrationToken{
		Token:                token,
		ProductCode:          "prod-saas",
		CustomerIdentifier:   "cust-a",
		CustomerAWSAccountID: buyerAccount,
		LicenseArn:           "arn:lic-1",
		IssuedAt:             at(1, 111),
		ExpiresAt:            at(5, 111),
	}
}

func testRegistrationToken(t *testing.T, s meterd.Store) {
	want := fixtureToken("token+/=")
	must(t, s.CreateRegistrationToken(t.Context(), want))
	got, err := s.FindRegistrationToken(t.Context(), want.Token)
	must(t, err)
	if d := diff(got, want); d != "" {
		t.Fatalf("FindRegistrationToken%s", d)
	}
}

func testRegistrationTokenConflict(t *testing.T, s meterd.Store) {
	first := fixtureToken("tok")
	must(t, s.CreateRegistrationToken(t.Context(), first))
	second := fixtureToken("tok")
	second.CustomerIdentifier = "cust-b"
	wantCode(t, s.CreateRegistrationToken(t.Context(), second), meterd.EConflict)
	got, err := s.FindRegistrationToken(t.Context(), "tok")
	must(t, err)
	if d := diff(got, first); d != "" {
		t.Fatalf("token after conflict%s", d)
	}
}

func testRegistrationTokenNotFound(t *testing.T, s meterd.Store) {
	must(t, s.CreateRegistrationToken(t.Context(), fixtureToken("tok")))
	_, err := s.FindRegistrationToken(t.Context(), "TOK")
	wantCode(t, err, meterd.ENotFound)
}

func fixtureTask() *meterd.TaskRegistration {
	return &meterd.TaskRegistration{
		Region: "us-east-1", ProductCode: "prod-other", AccountID: buyerAccount,
		ResourceID: "arn:aws:ecs:us-east-1:222222222222:task/c/1", Test: true, RegisteredAt: at(2, 42),
	}
}

func testRegisterTask(t *testing.T, s meterd.Store) {
	want := fixtureTask()
	stored, existing, err := s.RegisterTask(t.Context(), want)
	must(t, err)
	if existing {
		t.Error("first RegisterTask: existing = true")
	}
	if d := diff(stored, want); d != "" {
		t.Errorf("RegisterTask stored%s", d)
	}
	got, err := s.FindTaskRegistration(t.Context(), want.Region, want.ProductCode, want.AccountID, want.ResourceID)
	must(t, err)
	if d := diff(got, want); d != "" {
		t.Errorf("FindTaskRegistration%s", d)
	}
}

func testRegisterTaskExisting(t *testing.T, s meterd.Store) {
	first := fixtureTask()
	_, _, err := s.RegisterTask(t.Context(), first)
	must(t, err)
	again := fixtureTask()
	again.Test, again.RegisteredAt = false, first.RegisteredAt.Add(time.Hour)
	stored, existing, err := s.RegisterTask(t.Context(), again)
	must(t, err)
	if !existing {
		t.Error("second RegisterTask: existing = false")
	}
	if d := diff(stored, first); d != "" {
		t.Errorf("second RegisterTask stored%s", d)
	}
}

// Each key column on its own makes a different task.
func testRegisterTaskKeys(t *testing.T, s meterd.Store) {
	_, _, err := s.RegisterTask(t.Context(), fixtureTask())
	must(t, err)
	cases := []struct {
		name   string
		change func(*meterd.TaskRegistration)
	}{
		{"region", func(r *meterd.TaskRegistration) { r.Region = "us-west-2" }},
		{"product", func(r *meterd.TaskRegistration) { r.ProductCode = "prod-saas" }},
		{"account", func(r *meterd.TaskRegistration) { r.AccountID = undeclaredAccount }},
		{"resource", func(r *meterd.TaskRegistration) { r.ResourceID += "2" }},
	}
	for _, c := range cases {
		r := fixtureTask()
		c.change(r)
		_, existing, err := s.RegisterTask(t.Context(), r)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if existing {
			t.Errorf("other %s: existing = true, want a new registration", c.name)
		}
	}
}

func testFindTaskNotFound(t *testing.T, s meterd.Store) {
	r := fixtureTask()
	_, _, err := s.RegisterTask(t.Context(), r)
	must(t, err)
	_, err = s.FindTaskRegistration(t.Context(), "us-west-2", r.ProductCode, r.AccountID, r.ResourceID)
	wantCode(t, err, meterd.ENotFound)
}

func fixtureKey(version int32) *meterd.SigningKey {
	return &meterd.SigningKey{
		Version:       version,
		PrivateKeyPEM: []byte("-----BEGIN PRIVATE KEY-----\n\x00\xff" + string(rune('0'+version)) + "\n-----END PRIVATE KEY-----\n"),
		CreatedAt:     at(int(version), int(version)),
	}
}

func testSigningKeys(t *testing.T, s meterd.Store) {
	keys, err := s.SigningKeys(t.Context())
	must(t, err)
	if len(keys) != 0 {
		t.Fatalf("SigningKeys on an empty store = %d keys, want 0", len(keys))
	}
	for _, v := range []int32{3, 1, 2} {
		must(t, s.CreateSigningKey(t.Context(), fixtureKey(v)))
	}
	keys, err = s.SigningKeys(t.Context())
	must(t, err)
	want := []*meterd.SigningKey{fixtureKey(1), fixtureKey(2), fixtureKey(3)}
	if d := diff(keys, want); d != "" {
		t.Fatalf("SigningKeys%s", d)
	}
}

func testCreateSigningKeyConflict(t *testing.T, s meterd.Store) {
	must(t, s.CreateSigningKey(t.Context(), fixtureKey(1)))
	other := fixtureKey(1)
	other.PrivateKeyPEM = []byte("other")
	wantCode(t, s.CreateSigningKey(t.Context(), other), meterd.EConflict)
	keys, err := s.SigningKeys(t.Context())
	must(t, err)
	if d := diff(keys, []*meterd.SigningKey{fixtureKey(1)}); d != "" {
		t.Fatalf("SigningKeys after conflict%s", d)
	}
}

func testUpdateSigningKey(t *testing.T, s meterd.Store) {
	must(t, s.CreateSigningKey(t.Context(), fixtureKey(1)))
	must(t, s.CreateSigningKey(t.Context(), fixtureKey(2)))
	rotated := fixtureKey(1)
	rotated.RotatedAt = at(7, 7)
	rotated.PrivateKeyPEM = []byte("replaced")
	must(t, s.UpdateSigningKey(t.Context(), rotated))
	keys, err := s.SigningKeys(t.Context())
	must(t, err)
	if d := diff(keys, []*meterd.SigningKey{rotated, fixtureKey(2)}); d != "" {
		t.Fatalf("SigningKeys after update%s", d)
	}
}

func testUpdateSigningKeyNotFound(t *testing.T, s meterd.Store) {
	must(t, s.CreateSigningKey(t.Context(), fixtureKey(1)))
	wantCode(t, s.UpdateSigningKey(t.Context(), fixtureKey(2)), meterd.ENotFound)
	keys, err := s.SigningKeys(t.Context())
	must(t, err)
	if len(keys) != 1 {
		t.Fatalf("SigningKeys after failed update = %d keys, want 1", len(keys))
	}
}

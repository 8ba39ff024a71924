package seed

import (
	"fmt"

	"go.yaml.in/yaml/v3"

	"github.com/meterd/meterd"
)

func (p *parser) account(n *yaml.Node, path string) error {
	o, err := p.object(n, path, "id", "name", "access_keys")
	if err != nil {
		return err
	}
	id, idNode, err := p.requiredText(o, "id")
	if err != nil {
		return err
	}
	if !accountIDPattern.MatchString(id) {
		return p.errorf(idNode, o.field("id"), "%q is not a 12-digit AWS account id", id)
	}
	if first, dup := p.accounts[id]; dup {
		return p.duplicate(idNode, o.field("id"), "account", id, first)
	}
	p.accounts[id] = idNode.Line
	name, _, err := p.text(o, "name")
	if err != nil {
		return err
	}
	p.catalog.Accounts = append(p.catalog.Accounts, &meterd.Account{ID: id, Name: name})

	keys, err := p.list(o, "access_keys")
	if err != nil {
		return err
	}
	for i, k := range keys {
		if err := p.accessKey(k, fmt.Sprintf("%s[%d]", o.field("access_keys"), i), id); err != nil {
			return err
		}
	}
	return nil
}

// accessKey never puts the secret into an error message.
func (p *parser) accessKey(n *yaml.Node, path, accountID string) error {
	o, err := p.object(n, path, "id", "secret", "home_region", "platform")
	if err != nil {
		return err
	}
	id, err := p.accessKeyID(o)
	if err != nil {
		return err
	}
	secret, _, err := p.requiredText(o, "secret")
	if err != nil {
		return err
	}
	region, regionNode, err := p.text(o, "home_region")
	if err != nil {
		return err
	}
	if region != "" && !regionPattern.MatchString(region) {
		return p.errorf(regionNode, o.field("home_region"), "%q is not a region name (e.g. us-east-1)", region)
	}
	platform, err := p.platform(o)
	if err != nil {
		return err
	}
	p.catalog.AccessKeys = append(p.catalog.AccessKeys, &meterd.AccessKey{
		ID: id, Secret: secret, AccountID: accountID, HomeRegion: region, Platform: platform,
	})
	return nil
}

func (p *parser) accessKeyID(o *object) (string, error) {
	id, n, err := p.requiredText(o, "id")
	if err != nil {
		return "", err
	}
	if !validAccessKeyID(id) {
		return "", p.errorf(n, o.field("id"), "%q is not an access key id (want 1 to 128 of A-Z a-z 0-9 _ . @ + = -)", id)
	}
	if first, dup := p.accessKeys[id]; dup {
		return "", p.duplicate(n, o.field("id"), "access key", id, first)
	}
	p.accessKeys[id] = n.Line
	return id, nil
}

func (p *parser) platform(o *object) (meterd.Platform, error) {
	s, n, err := p.text(o, "platform")
	if err != nil || s == "" {
		return "", err
	}
	platform, ok, want := enum(s, meterd.Platforms)
	if !ok {
		return "", p.errorf(n, o.field("platform"), "unknown platform %q (want %s)", s, want)
	}
	return platform, nil
}

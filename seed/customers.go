package seed

import (
	"go.yaml.in/yaml/v3"

	"github.com/meterd/meterd"
)

func (p *parser) customer(n *yaml.Node, path string) error {
	o, err := p.object(n, path, "identifier", "aws_account_id")
	if err != nil {
		return err
	}
	id, idNode, err := p.requiredText(o, "identifier")
	if err != nil {
		return err
	}
	if err := checkLength(id, maxTextLength); err != nil {
		return p.errorf(idNode, o.field("identifier"), "%v", err)
	}
	if first, dup := p.customers[id]; dup {
		return p.duplicate(idNode, o.field("identifier"), "customer", id, first)
	}
	account, err := p.customerAccount(o)
	if err != nil {
		return err
	}
	p.customers[id] = idNode.Line
	p.catalog.Customers = append(p.catalog.Customers, &meterd.Customer{Identifier: id, AWSAccountID: account})
	return nil
}

// customerAccount follows the model's CustomerAWSAccountId (digits, 1..255)
// rather than the 12-digit rule of accounts, and must be unique because
// GetEntitlements and BatchMeterUsage find a customer by it.
func (p *parser) customerAccount(o *object) (string, error) {
	account, n, err := p.requiredText(o, "aws_account_id")
	if err != nil {
		return "", err
	}
	if err := checkLength(account, maxTextLength); err != nil {
		return "", p.errorf(n, o.field("aws_account_id"), "%v", err)
	}
	if !modelRules().digits.MatchString(account) {
		return "", p.errorf(n, o.field("aws_account_id"), "%q is not an AWS account id (want digits)", account)
	}
	if first, dup := p.customerAccounts[account]; dup {
		return "", p.duplicate(n, o.field("aws_account_id"), "customer account", account, first)
	}
	p.customerAccounts[account] = n.Line
	return account, nil
}

"""Verify an SNS message signature the way the SNS developer guide says:
build the string to sign from the documented keys of the message's type,
then check the signature (SignatureVersion 1: SHA1, 2: SHA256) with the
public key of the signing certificate. Prints "valid" or exits non-zero."""
import base64
import json
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

KEYS = {
    "Notification": ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"],
    "SubscriptionConfirmation": ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"],
    "UnsubscribeConfirmation": ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"],
}

msg = json.load(open(sys.argv[1]))
cert = x509.load_pem_x509_certificate(open(sys.argv[2], "rb").read())
text = "".join(f"{k}\n{msg[k]}\n" for k in KEYS[msg["Type"]] if k in msg)
algo = {"1": hashes.SHA1(), "2": hashes.SHA256()}[msg["SignatureVersion"]]
cert.public_key().verify(base64.b64decode(msg["Signature"]), text.encode(), padding.PKCS1v15(), algo)
print("valid")

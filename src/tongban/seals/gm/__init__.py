"""National cryptography (国密) for the GB/T 38540 seal structures: SM3 (GB/T 32905), SM2 signatures
(GB/T 32918), SM2 X.509 certificates for the seal maker, and the ``SESeal``/``SES_Signature`` structures.

Pure library code: no database, no Django. ADR 0010 says why these parts use SM2/SM3 and the PAdES PKI
uses ECDSA/RSA."""

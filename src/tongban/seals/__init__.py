"""Electronic seals (电子印章): the platform's PKI, the seal registry and its lifecycle, seal images, sealed
PDFs (PAdES with pyHanko) and the GB/T 38540 seal structures with SM2/SM3 (issue 16)."""

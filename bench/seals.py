"""Sealing benchmark (issue 16 §7): sealed documents per second at PAdES B-T through ``seal_pdf``, as a ratio of
pyHanko signing the same document directly in the same run; verifications per second through ``verify_pdf``,
as a ratio of pyHanko's ``validate_pdf_signature``; and the seal images' rendering time.

Everything runs in this process (no database, no server): a throwaway PKI made with ``cryptography``
(tests/seals/pki_testing.py: root → issuing CA → seal and TSA certificates, EC P-256), a one-page licence-like
PDF (fpdf2, the project's CJK font), the red round seal image (``images.round_seal_png``, 42 mm at 300 dpi) as
the visible stamp, and the platform's time-stamping service in-process (``tsa.LocalTimeStamper``).

* **seal** — ``seal_pdf(doc, key=…, cert=…, chain=…, image_png=…, box=…, level="B-T", timestamper=…)`` against
  pyHanko directly: ``SimpleSigner`` with the same key and certificates, ``PdfSigner`` with the same metadata
  (PAdES subfilter, SHA-256), the same new signature field and a ``StaticStampStyle`` of the same image (a
  ``PdfImage`` of the decoded PNG, kept decoded between calls), the same ``LocalTimeStamper``.
* **verify** — ``verify_pdf(sealed, trust_roots=[root], crls=[…])`` (the report: digest, signature, chain,
  revocation at the timestamp's time, the timestamp, the PAdES level, the changes after signing) against
  ``validate_pdf_signature`` of the same signature with a ``ValidationContext`` of the same root and CRLs
  (hard-fail revocation), on the same B-T document.
* **images** — ``round_seal_png`` (42 mm) and ``square_personal_seal_png`` (20 mm), at 300 dpi.

The two sides of each ratio are timed in interleaved windows (``--seconds`` each, ``--repeats`` pairs); the
ratio is of the medians. Aims: sealing ≥ 0.8 and verification ≥ 0.8 of pyHanko alone. Run it on a quiet
machine (``flock /tmp/tongban-bench.lock .venv/bin/python bench/seals.py``): the figures are wall-clock rates.
"""

from __future__ import annotations

import io
import platform
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as `python bench/seals.py`
    sys.path.insert(0, str(ROOT))

from bench.harness import cli  # noqa: E402
from bench.harness import inprocess as ip  # noqa: E402
from bench.harness.report import aim, loadavg, nproc, table, write_json  # noqa: E402

RESULTS_PATH = ROOT / "bench" / "results" / "seals.json"
AIM_SEAL_RATIO = 0.8
AIM_VERIFY_RATIO = 0.8
POLICY = "1.2.156.9999.1.1"
BOX = (380, 560, 499, 679)  # 119 pt: the 42 mm seal
FIELD = "登记机关印章"


def build_parser():
    parser = cli.new_parser(__doc__)
    parser.add_argument("--seconds", type=float, default=3.0, help="seconds per timed window (default 3)")
    parser.add_argument(
        "--repeats", type=int, default=5, help="interleaved window pairs per comparison (default 5)"
    )
    parser.add_argument("--image-calls", type=int, default=20, help="renderings per seal image (default 20)")
    cli.add_output_options(parser, RESULTS_PATH, keep=None)
    return parser


def check(args) -> None:
    cli.check_args(args, positive=("repeats", "image_calls"))
    if args.seconds <= 0:
        raise SystemExit("seconds must be positive")


def _setup():
    from asn1crypto import keys
    from cryptography.hazmat.primitives import serialization
    from PIL import Image
    from tests.seals.pki_testing import as_asn1, licence_pdf, make_pki

    from tongban.seals.images import round_seal_png
    from tongban.seals.tsa import LocalTimeStamper

    pki = make_pki("压测")
    stamper = LocalTimeStamper(key=pki.tsa_key, cert=pki.tsa, chain=pki.chain, policy_oid=POLICY)
    doc = licence_pdf()
    image_png = round_seal_png(f"{pki.label}示范科技有限公司", "")
    image = Image.open(io.BytesIO(image_png))
    image.load()
    asn1_key = keys.PrivateKeyInfo.load(
        pki.seal_key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return {
        "pki": pki,
        "stamper": stamper,
        "doc": doc,
        "image_png": image_png,
        "image": image,
        "asn1_key": asn1_key,
        "asn1_cert": as_asn1(pki.seal),
        "asn1_chain": [as_asn1(c) for c in pki.chain],
        "asn1_root": as_asn1(pki.root),
        "asn1_crls": pki.asn1_crls(),
    }


def _ours_seal(s):
    from tongban.seals.pades import seal_pdf

    pki = s["pki"]

    def run() -> bytes:
        return seal_pdf(
            s["doc"],
            key=pki.seal_key,
            cert=pki.seal,
            chain=pki.chain,
            image_png=s["image_png"],
            box=BOX,
            field_name=FIELD,
            timestamper=s["stamper"],
            level="B-T",
        )

    return run


def _pyhanko_seal(s):
    from pyhanko.pdf_utils import layout
    from pyhanko.pdf_utils.images import PdfImage
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.stamp import StaticStampStyle
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    signer = signers.SimpleSigner(
        signing_cert=s["asn1_cert"],
        signing_key=s["asn1_key"],
        cert_registry=SimpleCertificateStore.from_certs(s["asn1_chain"]),
    )
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD, md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES
    )
    rule = layout.SimpleBoxLayoutRule(
        x_align=layout.AxisAlignment.ALIGN_MID,
        y_align=layout.AxisAlignment.ALIGN_MID,
        margins=layout.Margins.uniform(0),
        inner_content_scaling=layout.InnerScaling.SHRINK_TO_FIT,
    )

    def run() -> bytes:
        style = StaticStampStyle(
            background=PdfImage(s["image"]), background_layout=rule, background_opacity=1.0, border_width=0
        )
        pdf_signer = signers.PdfSigner(
            meta,
            signer=signer,
            timestamper=s["stamper"],
            stamp_style=style,
            new_field_spec=fields.SigFieldSpec(sig_field_name=FIELD, on_page=0, box=BOX),
        )
        out = io.BytesIO()
        pdf_signer.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(s["doc"]), strict=False), output=out)
        return out.getvalue()

    return run


def _ours_verify(s, sealed: bytes):
    from tongban.seals.pdf_verify import verify_pdf

    pki = s["pki"]

    def run():
        [report] = verify_pdf(sealed, trust_roots=[pki.root], crls=s["asn1_crls"])
        if not report.ok or report.level != "B-T":
            raise RuntimeError(f"verify_pdf: {report}")

    return run


def _pyhanko_verify(s, sealed: bytes):
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    def run():
        emb = PdfFileReader(io.BytesIO(sealed), strict=False).embedded_signatures[0]
        vc = ValidationContext(
            trust_roots=[s["asn1_root"]],
            crls=s["asn1_crls"],
            ocsps=[],
            allow_fetching=False,
            revocation_mode="hard-fail",
        )
        status = validate_pdf_signature(emb, signer_validation_context=vc)
        if not status.bottom_line:
            raise RuntimeError(f"pyHanko: {status.summary()}")

    return run


def _interleaved(label_a, fn_a, label_b, fn_b, seconds: float, repeats: int) -> dict:
    a, b = [], []
    fn_a(), fn_b()  # warm-up
    for i in range(repeats):
        ra, na = ip.window(fn_a, seconds, batch=2)
        rb, nb = ip.window(fn_b, seconds, batch=2)
        a.append(ra)
        b.append(rb)
        print(f"  {i + 1}/{repeats}  {label_a} {ra:7.1f}/s ({na})   {label_b} {rb:7.1f}/s ({nb})", flush=True)
    ours, theirs = ip.rates(a), ip.rates(b)
    return {"ours": ours, "pyhanko": theirs, "ratio": ours["per_s_median"] / theirs["per_s_median"]}


def _image_times(calls: int) -> dict:
    from tongban.seals.images import round_seal_png, square_personal_seal_png

    out = {}
    for label, fn in (
        ("round_seal_png 42 mm", lambda i: round_seal_png(f"压测示范科技有限公司{i % 10}", "合同专用章")),
        (
            "square_personal_seal_png 20 mm",
            lambda i: square_personal_seal_png(["张三", "王小明", "欧阳晓明"][i % 3]),
        ),
    ):
        fn(0)
        ms = []
        for i in range(calls):
            t0 = time.perf_counter()
            fn(i)
            ms.append((time.perf_counter() - t0) * 1000)
        out[label] = {"p50_ms": statistics.median(ms), "min_ms": min(ms), "max_ms": max(ms), "calls": calls}
    return out


def run(args) -> int:
    from importlib.metadata import version

    print(
        f"machine: {nproc()} CPUs, load {loadavg()}, Python {platform.python_version()}, "
        f"pyHanko {version('pyhanko')}, cryptography {version('cryptography')}"
    )
    s = _setup()
    ours_seal, theirs_seal = _ours_seal(s), _pyhanko_seal(s)
    sealed = ours_seal()
    print(
        f"document: {len(s['doc'])} bytes; sealed at B-T: {len(sealed)} bytes (pyHanko: {len(theirs_seal())})"
    )

    print("\nseal (B-T, visible stamp, in-process TSA):")
    seal = _interleaved("seal_pdf", ours_seal, "pyHanko", theirs_seal, args.seconds, args.repeats)
    print("\nverify (the B-T document, CRLs given):")
    verify = _interleaved(
        "verify_pdf",
        _ours_verify(s, sealed),
        "pyHanko",
        _pyhanko_verify(s, sealed),
        args.seconds,
        args.repeats,
    )
    print("\nseal images (300 dpi):")
    images = _image_times(args.image_calls)

    print()
    rows = []
    for label, res, goal in (("seal B-T", seal, AIM_SEAL_RATIO), ("verify", verify, AIM_VERIFY_RATIO)):
        o, t = res["ours"], res["pyhanko"]
        rows.append(
            (
                label,
                f"{o['per_s_median']:.1f} ({o['per_s_min']:.1f}–{o['per_s_max']:.1f})",
                f"{t['per_s_median']:.1f} ({t['per_s_min']:.1f}–{t['per_s_max']:.1f})",
                f"{o['us_per_op'] / 1000:.1f}",
                f"{t['us_per_op'] / 1000:.1f}",
                f"{res['ratio']:.3f}",
                f"≥ {goal} {aim(res['ratio'] >= goal)}",
            )
        )
    table(("", "ours/s median (min–max)", "pyHanko/s", "ours ms", "pyHanko ms", "ratio", "aim"), rows)
    print()
    table(
        ("image", "p50 ms", "min ms", "max ms"),
        [(k, f"{v['p50_ms']:.1f}", f"{v['min_ms']:.1f}", f"{v['max_ms']:.1f}") for k, v in images.items()],
    )
    report = {
        "when": datetime.now(UTC).isoformat(),
        "machine": {"nproc": nproc(), "python": platform.python_version(), "loadavg_after": loadavg()},
        "config": {"seconds": args.seconds, "repeats": args.repeats, "image_calls": args.image_calls},
        "sizes": {"document": len(s["doc"]), "sealed": len(sealed)},
        "seal": seal,
        "verify": verify,
        "images": images,
    }
    out = write_json(report, args.json)
    print(f"\nresults written to {out}")
    return 0


def main(argv=None) -> int:
    return cli.main(argv, build_parser, run, check=check)


if __name__ == "__main__":
    sys.exit(main())

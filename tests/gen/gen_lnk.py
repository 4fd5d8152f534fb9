#!/usr/bin/env python3
"""gen_lnk.py OUTDIR — Windows shortcuts (MS-SHLLINK) and autorun.inf files
for the USB-worm analysers, written from the format specification.

  normal.lnk        C:\\Program Files\\app.exe on a fixed drive (silent)
  normal_ansi.lnk   the same without the IsUnicode flag
  cmd_plain.lnk     C:\\Windows\\System32\\cmd.exe, no arguments (silent)
  worm_nbsp.lnk     E:\\<U+00A0>\\<U+00A0>.exe on a removable drive, hidden
                    folder, shell32 drive icon (the classic USB worm)
  worm_cmd.lnk      cmd.exe /c start _\\DeviceConfig.vbs & start explorer _
                    with a shell32 drive icon (script in a "_" folder)
  worm_ideo.lnk     rundll32.exe "<U+3000>\\x.dll",Start on removable E:
  truncated.lnk     worm_nbsp.lnk cut inside the LinkInfo
  autorun/autorun.inf            open= a double-extension exe in RECYCLER
  autorun_shell/autorun.inf      shell\\open\\command= a hidden-folder exe
  autorun_exec/autorun.inf       shellexecute= setup.exe at the root
  autorun_benign/autorun.inf     icon= and label= only (silent)
"""
import os
import struct
import sys

CLSID = bytes([0x01, 0x14, 0x02, 0x00, 0, 0, 0, 0, 0xC0, 0, 0, 0, 0, 0, 0, 0x46])
MYCOMPUTER = bytes.fromhex("e04fd020ea3a6910a2d808002b30309d")

HAS_IDLIST, HAS_LINKINFO, HAS_NAME, HAS_REL, HAS_WD, HAS_ARGS, HAS_ICON, UNICODE = (
    1, 2, 4, 8, 0x10, 0x20, 0x40, 0x80)
FT = 0x01D1B2A0F0000000  # a fixed FILETIME


def item(body):
    return struct.pack("<H", len(body) + 2) + body


def root_item():
    return item(b"\x1f\x50" + MYCOMPUTER)


def volume_item(letter):
    body = b"\x2f" + (letter + ":\\").encode() + b"\0" * 19
    return item(body)


def file_item(name, is_dir, attrs):
    short = b"X~1\0" if any(ord(c) > 127 for c in name) else name.encode("latin-1") + b"\0"
    if len(short) % 2:
        short += b"\0"
    head = bytes([0x31 if is_dir else 0x32, 0]) + struct.pack("<IIH", 0, 0x4A5B2C3D, attrs)
    body = head + short
    ext_start = len(body) + 2  # offset from the item's start, size included
    longname = name.encode("utf-16-le") + b"\0\0"
    ext = struct.pack("<HHIIIH", 0, 9, 0xBEEF0004, 0x4A5B2C3D, 0x4A5B2C3D, 0x2E)
    ext += b"\0" * 2 + b"\0" * 8 + b"\0" * 8 + struct.pack("<H", 0) + b"\0" * 8
    assert len(ext) == 46
    ext += longname + struct.pack("<H", 0x14)
    ext = struct.pack("<H", len(ext)) + ext[2:]
    body += ext + struct.pack("<H", ext_start)
    return item(body)


def idlist(letter, parts, dir_attrs=0x10, file_attrs=0x20):
    items = root_item() + volume_item(letter)
    for i, p in enumerate(parts):
        last = i == len(parts) - 1
        items += file_item(p, not last, file_attrs if last else dir_attrs)
    items += b"\0\0"
    return struct.pack("<H", len(items)) + items


def linkinfo(path, drive_type, serial, label=""):
    try:
        path.encode("cp1252")
        need_u = False
    except UnicodeEncodeError:
        need_u = True
    hsize = 0x24 if need_u else 0x1C
    vol = struct.pack("<IIII", 0, drive_type, serial, 0x10) + label.encode("latin-1") + b"\0"
    vol = struct.pack("<I", len(vol)) + vol[4:]
    base_a = (path.encode("cp1252", "replace") if need_u else path.encode("cp1252")) + b"\0"
    suffix_a = b"\0"
    off_vol = hsize
    off_base = off_vol + len(vol)
    off_suffix = off_base + len(base_a)
    tail = vol + base_a + suffix_a
    extra = b""
    off_base_u = off_suffix_u = 0
    if need_u:
        off_base_u = hsize + len(tail)
        bu = path.encode("utf-16-le") + b"\0\0"
        off_suffix_u = off_base_u + len(bu)
        tail += bu + b"\0\0"
    hdr = struct.pack("<IIIIIII", 0, hsize, 1, off_vol, off_base, 0, off_suffix)
    if need_u:
        hdr += struct.pack("<II", off_base_u, off_suffix_u)
    li = hdr + tail + extra
    return struct.pack("<I", len(li)) + li[4:]


def sdata(s, unicode):
    if unicode:
        return struct.pack("<H", len(s.encode("utf-16-le")) // 2) + s.encode("utf-16-le")
    b = s.encode("cp1252")
    return struct.pack("<H", len(b)) + b


def shortcut(letter, parts, drive_type, args=None, icon=None, icon_index=0, workdir=None,
             unicode=True, target_attrs=0x20, dir_attrs=0x10, relpath=None):
    flags = HAS_IDLIST | HAS_LINKINFO | (UNICODE if unicode else 0)
    strings = b""
    if relpath is not None:
        flags |= HAS_REL
        strings += sdata(relpath, unicode)
    if workdir is not None:
        flags |= HAS_WD
        strings += sdata(workdir, unicode)
    if args is not None:
        flags |= HAS_ARGS
        strings += sdata(args, unicode)
    if icon is not None:
        flags |= HAS_ICON
        strings += sdata(icon, unicode)
    hdr = struct.pack("<I16sIIQQQIiIHHII", 0x4C, CLSID, flags, target_attrs, FT, FT, FT,
                      4096, icon_index, 1, 0, 0, 0, 0)
    assert len(hdr) == 0x4C
    path = letter + ":\\" + "\\".join(parts)
    body = idlist(letter, parts, dir_attrs, target_attrs)
    body += linkinfo(path, drive_type, 0x16ADD728)
    return hdr + body + strings + b"\0\0\0\0"


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)

    def put(name, data):
        path = os.path.join(out, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)

    put("normal.lnk", shortcut("C", ["Program Files", "app.exe"], 3,
                               workdir="C:\\Program Files", icon="C:\\Program Files\\app.exe"))
    put("normal_ansi.lnk", shortcut("C", ["Program Files", "app.exe"], 3, unicode=False,
                                    workdir="C:\\Program Files"))
    put("cmd_plain.lnk", shortcut("C", ["Windows", "System32", "cmd.exe"], 3,
                                  workdir="%HOMEDRIVE%%HOMEPATH%"))
    worm = shortcut("E", ["\u00a0", "\u00a0.exe"], 2, args="/b",
                    icon="%SystemRoot%\\system32\\shell32.dll", icon_index=7,
                    target_attrs=0x07, dir_attrs=0x16)
    put("worm_nbsp.lnk", worm)
    put("worm_cmd.lnk", shortcut(
        "C", ["Windows", "System32", "cmd.exe"], 3,
        args="/c start _\\DeviceConfig.vbs & start explorer _ & exit",
        icon="%SystemRoot%\\system32\\shell32.dll", icon_index=8))
    put("worm_ideo.lnk", shortcut(
        "C", ["Windows", "System32", "rundll32.exe"], 3,
        args="\"\u3000\\x.dll\",Start", icon="shell32.dll", icon_index=7))
    put("truncated.lnk", worm[:0x4C + 200])

    put("autorun/autorun.inf",
        b"[AutoRun]\r\nopen=RECYCLER\\S-1-5-21\\photo.jpg.exe\r\n"
        b"icon=%SystemRoot%\\system32\\SHELL32.dll,4\r\naction=Open folder to view files\r\n")
    put("autorun_shell/autorun.inf",
        b"; generated\r\n[autorun]\r\nshell\\open\\command=\"\xa0\\svchost.exe\" -run\r\n"
        b"shell\\open\\Default=1\r\nUseAutoPlay=1\r\n")
    put("autorun_exec/autorun.inf", b"[autorun]\nshellexecute=setup.exe\nlabel=Installer\n")
    put("autorun_benign/autorun.inf",
        b"[autorun]\r\nicon=drive.ico\r\nlabel=Backup disk\r\n")


FIXED_TIME = 1700000000  # alerts carry the file's mtime as @timestamp


def fix_times(out):
    for root, dirs, files in os.walk(out):
        for n in files + dirs:
            os.utime(os.path.join(root, n), (FIXED_TIME, FIXED_TIME))


if __name__ == "__main__":
    main()
    fix_times(sys.argv[1])

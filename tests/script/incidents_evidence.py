#!/usr/bin/env python3
"""Builds the evidence folder of the incidents golden test from the
project's generated fixtures ($MAMORI_GEN_DIR) and benign text:

  smb.pcap      net_app/smb_eternalblue.pcap as generated: 192.0.2.10 ->
                192.0.2.20:445, MS17-010 shapes, at T0 (2023-11-14T22:13:20Z)
  ws05.jsonl    an NXLog-style JSON log of host ws05: schtasks started by
                PowerShell (4688) and a 4104 Register-ScheduledTask, T0 + 60 s
  miner/config.json   files/miner/config.json (pool + wallet), mtime T0 + 120 s
  stratum.pcap  net_b_mining/stratum_v1.pcap with its client moved from
                10.1.0.5 to 192.0.2.20 (scapy) and shifted to T0 + 180 s
  other.pcap    net_app/smb_doublepulsar.pcap: another victim (192.0.2.21),
                unrelated, must stay in its own incident

usage: incidents_evidence.py GEN_DIR OUT_DIR
"""
import json
import os
import shutil
import sys

from scapy.all import IP, TCP, rdpcap, wrpcap  # noqa: E402

T0 = 1700000000


def main():
    gen, out = sys.argv[1], sys.argv[2]
    os.makedirs(os.path.join(out, "miner"), exist_ok=True)
    shutil.copy(os.path.join(gen, "net_app", "smb_eternalblue.pcap"), os.path.join(out, "smb.pcap"))
    shutil.copy(os.path.join(gen, "net_app", "smb_doublepulsar.pcap"), os.path.join(out, "other.pcap"))
    cfg = os.path.join(out, "miner", "config.json")
    shutil.copy(os.path.join(gen, "files", "miner", "config.json"), cfg)
    os.utime(cfg, (T0 + 120, T0 + 120))
    log = os.path.join(out, "ws05.jsonl")
    with open(log, "w") as f:
        f.write(json.dumps({
            "SourceName": "Microsoft-Windows-Security-Auditing", "Channel": "Security",
            "Hostname": "ws05", "EventID": 4688, "RecordNumber": 76,
            "@timestamp": "2023-11-14T22:14:20.000Z", "EventTime": "2023-11-14 22:14:20",
            "NewProcessName": "C:\\Windows\\System32\\cmd.exe",
            "ParentProcessName": "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
            "CommandLine": "cmd.exe /C schtasks /create /tn Updater /tr C:\\Users\\Public\\u.exe /sc onlogon"}) + "\n")
        f.write(json.dumps({
            "SourceName": "Microsoft-Windows-PowerShell",
            "Channel": "Microsoft-Windows-PowerShell/Operational",
            "Hostname": "ws05", "EventID": 4104, "RecordNumber": 77,
            "@timestamp": "2023-11-14T22:14:21.000Z", "EventTime": "2023-11-14 22:14:21",
            "ScriptBlockText": "Register-ScheduledTask -TaskName 'Updater' -Action "
                               "(New-ScheduledTaskAction -Execute 'powershell.exe')"}) + "\n")
    os.utime(log, (T0 + 60, T0 + 60))
    pkts = rdpcap(os.path.join(gen, "net_b_mining", "stratum_v1.pcap"))
    t0 = float(pkts[0].time)
    for p in pkts:
        if IP in p:
            if p[IP].src == "10.1.0.5":
                p[IP].src = "192.0.2.20"
            if p[IP].dst == "10.1.0.5":
                p[IP].dst = "192.0.2.20"
            del p[IP].chksum
            if TCP in p:
                del p[TCP].chksum
        p.time = T0 + 180 + (float(p.time) - t0)
    wrpcap(os.path.join(out, "stratum.pcap"), pkts)


if __name__ == "__main__":
    main()

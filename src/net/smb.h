/*
 * smb.h — private to src/net/: SMB messages as the SMB parser (app_smb.c)
 * hands them to the SMB detectors (detect_ms17010.c).
 *
 * A struct smb1_msg is one SMB1 message taken out of its NetBIOS frame,
 * with the header fields and the Trans/Trans2/NT Trans fields parsed (by
 * bounded reads; `trans.valid` says the words were long enough). Messages
 * longer than the parser keeps (SMB_MSG_KEEP) are handed over truncated:
 * `len` < `wire_len`.
 *
 * Ownership: every pointer borrows the parser's buffer or the stream data
 * for the duration of the call. Threading: one flow, one thread.
 */
#ifndef NET_SMB_H
#define NET_SMB_H

#include "net/internal.h"

#define SMB_MSG_KEEP (132 * 1024)

/* SMB1 commands we look at */
#define SMB1_TRANS 0x25
#define SMB1_TRANS_SECONDARY 0x26
#define SMB1_ECHO 0x2b
#define SMB1_WRITE_ANDX 0x2f
#define SMB1_TRANS2 0x32
#define SMB1_TRANS2_SECONDARY 0x33
#define SMB1_NEGOTIATE 0x72
#define SMB1_SESSION_SETUP_ANDX 0x73
#define SMB1_TREE_CONNECT_ANDX 0x75
#define SMB1_NT_TRANS 0xa0
#define SMB1_NT_TRANS_SECONDARY 0xa1

#define SMB_STATUS_SUCCESS 0x00000000u
#define SMB_STATUS_NOT_IMPLEMENTED 0xc0000002u
#define SMB_STATUS_INVALID_PARAMETER 0xc000000du
#define SMB_STATUS_MORE_PROCESSING 0xc0000016u
#define SMB_STATUS_LOGON_FAILURE 0xc000006du

#define TRANS2_SESSION_SETUP 0x000e

/* Parameters of a Trans / Trans2 / NT Trans request or secondary. */
struct smb_trans {
	bool valid;
	uint32_t total_param, total_data;
	uint32_t param_count, param_off, param_disp;
	uint32_t data_count, data_off, data_disp;
	uint32_t max_data;
	uint8_t setup_count;
	uint16_t setup0;	/* Trans2 subcommand */
	uint16_t function;	/* NT Trans function */
	uint32_t timeout;
};

struct smb1_msg {
	enum app_dir dir;
	bool response;
	uint8_t cmd;
	uint32_t status;
	uint8_t flags;
	uint16_t flags2;
	uint16_t tid, pid, uid, mid;
	uint8_t wct;
	const uint8_t *words;		/* wct*2 bytes (or fewer if cut) */
	size_t words_len;
	uint16_t bcc;
	const uint8_t *bytes;
	size_t bytes_len;
	const uint8_t *raw;		/* from the 0xFF 'SMB' header */
	size_t len;			/* bytes available */
	size_t wire_len;		/* bytes of the message on the wire */
	struct smb_trans trans;
	uint64_t frame;
	int64_t ts_us;
};

/* MS17-010 detector (detect_ms17010.c), per flow. */
struct ms17010_flow;
void ms17010_smb1(struct app_ctx *ctx, struct ms17010_flow **st, const struct smb1_msg *m);
/* End of flow: raises what the flow showed, frees the state. */
void ms17010_close(struct app_ctx *ctx, struct ms17010_flow *st);
void ms17010_free(struct ms17010_flow *st);

#endif

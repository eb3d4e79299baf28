import { describe, expect, it } from 'vitest';
import { iceUfrag, offerRestartsIce } from './peer.ts';

const sdp = (ufrag: string) => `v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=ice-ufrag:${ufrag}\r\na=ice-pwd:x\r\n`;

describe('ICE credentials of a description', () => {
  it('reads the ufrag', () => {
    expect(iceUfrag(sdp('AbC+'))).toBe('AbC+');
    expect(iceUfrag('v=0\r\n')).toBeNull();
    expect(iceUfrag(undefined)).toBeNull();
  });

  it('knows an offer that already restarts ICE from one that does not', () => {
    // Asked for while offline: the pending offer has new credentials; re-sending it is the restart.
    expect(offerRestartsIce(sdp('new1'), sdp('old1'))).toBe(true);
    // A renegotiation (same credentials) or a first offer: a restart must still be asked for.
    expect(offerRestartsIce(sdp('old1'), sdp('old1'))).toBe(false);
    expect(offerRestartsIce(sdp('new1'), undefined)).toBe(false);
  });
});

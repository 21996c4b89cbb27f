package io.github.bufferevent;

/**
 * libevent's {@code evbuffer_eol_style}, used by {@link EvBuffer#readLine(EolStyle)}.
 */
public enum EolStyle {
    /** {@code EVBUFFER_EOL_ANY}: any run of CR and LF characters ends the line. */
    ANY,
    /** {@code EVBUFFER_EOL_CRLF}: an LF, optionally preceded by a CR; a lone CR stays in the line. */
    CRLF,
    /** {@code EVBUFFER_EOL_CRLF_STRICT}: exactly CR LF. */
    CRLF_STRICT,
    /** {@code EVBUFFER_EOL_LF}: a single LF. */
    LF,
    /** {@code EVBUFFER_EOL_NUL}: a single NUL byte. */
    NUL
}

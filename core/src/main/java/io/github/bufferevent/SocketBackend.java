package io.github.bufferevent;

import java.io.IOException;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * The socket backend ({@code bufferevent_sock.c}): reads into the input and writes the output
 * through a {@link SocketChannel} registered with the base's selector, asks for OP_WRITE only
 * while the socket is full, and writes at the end of the loop turn. Connecting lives in
 * {@link SocketConnector}. Loop thread (or before the loop runs), the bufferevent's lock held.
 */
final class SocketBackend extends BevBackend implements IoHandler {

    /** Writes per loop turn while the socket keeps taking whole writes (as Netty's writeSpinCount). */
    static final int WRITE_SPIN = 16;

    private final ChannelRegistration registration;
    private final SocketConnector connector;
    private volatile SocketChannel channel;
    private boolean ownsChannel;
    private volatile SocketAddress remoteAddress;
    /** The socket did not take the whole output: wait for OP_WRITE. */
    private boolean writeBlocked;
    /** The loop turn {@link #writtenThisTurn} counts for. */
    private long budgetTurn = -1;
    private long writtenThisTurn;

    SocketBackend(BufferEvent bev, SocketChannel channel) {
        super(bev);
        this.channel = channel;
        this.registration = new ChannelRegistration(bev.base(), this);
        this.connector = new SocketConnector(this, bev);
    }

    // ------------------------------------------------------------------ channel

    @Override
    SocketChannel channel() {
        return channel;
    }

    @Override
    SocketAddress remoteAddress() {
        return remoteAddress;
    }

    void remoteAddress(SocketAddress address) {
        remoteAddress = address;
    }

    /** The channel, opening a non-blocking one with TCP_NODELAY if there is none. */
    SocketChannel openChannel() throws IOException {
        SocketChannel ch = channel;
        if (ch != null) {
            return ch;
        }
        ch = SocketChannel.open();
        try {
            ch.configureBlocking(false);
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
        } catch (IOException e) {
            closeQuietly(ch);
            throw e;
        }
        channel = ch;
        ownsChannel = true;
        return ch;
    }

    /** Deregisters and closes a channel this bufferevent opened, so the next attempt opens a fresh one. */
    void dropOwnedChannel() {
        if (ownsChannel && channel != null) {
            registration.cancel();
            closeQuietly(channel);
            channel = null;
            ownsChannel = false;
        }
    }

    /** The connection is established: remember the peer. */
    void markConnected() {
        try {
            remoteAddress = channel.getRemoteAddress();
        } catch (IOException e) {
            // keep the address we connected to
        }
        bev.life.markConnected();
    }

    @Override
    void connect(SocketAddress address) throws IOException {
        connector.connect(address);
    }

    @Override
    void connectHostname(String host, int port) {
        connector.connectHostname(host, port);
    }

    @Override
    Throwable dnsError() {
        return connector.dnsError();
    }

    @Override
    void connectTimedOut() {
        connector.timedOut();
    }

    // ------------------------------------------------------------------ slots

    @Override
    void sync() {
        if (bev.life.isReleased()) {
            return;
        }
        int state = bev.life.state();
        boolean connected = state == BevLifecycle.CONNECTED;
        SocketChannel ch = channel;
        int ops = 0;
        if (state == BevLifecycle.CONNECTING && !connector.resolving() && ch != null && ch.isConnectionPending()) {
            ops = SelectionKey.OP_CONNECT;
        } else if (connected) {
            if (bev.flow.readActive()) {
                ops |= SelectionKey.OP_READ;
            }
            if (writeBlocked && canWrite()) {
                ops |= SelectionKey.OP_WRITE;
            }
        }
        if (ch != null && ch.isOpen() && !registration.isRegistered() && (ops != 0 || connected)) {
            try {
                registration.register(ch);
            } catch (IOException | IllegalStateException e) {
                LoopLog.log(System.Logger.Level.DEBUG, "cannot register " + bev, e);
            }
        }
        registration.interest(ops);
        if (connected && !writeBlocked && (canWrite() || bev.writes.finishing() && bev.flow.writeActive())) {
            bev.requestFlush();
        }
    }

    /** Writing is enabled, not suspended, not shut, and there is output. */
    private boolean canWrite() {
        return bev.flow.writeActive() && bev.output().length() > 0 && !bev.writes.shut();
    }

    @Override
    void flushWrite(BevFlush mode) {
        bev.requestFlush();
    }

    @Override
    void outputAdded() {
        if (bev.life.state() == BevLifecycle.CONNECTED && bev.flow.writeActive() && !writeBlocked) {
            bev.requestFlush();
        }
    }

    @Override
    void flushQueued() {
        if (bev.life.state() == BevLifecycle.CONNECTED && bev.flow.writeActive()) {
            writeNow();
        }
    }

    @Override
    void destruct() {
        connector.cancel();
        registration.cancel();
        closeOwnedOr(bev.closeOnFree);
    }

    @Override
    void baseClosed() {
        closeOwnedOr(bev.closeOnFree);
    }

    private void closeOwnedOr(boolean closeOnFree) {
        SocketChannel ch = channel;
        if (ch != null && (closeOnFree || ownsChannel)) {
            closeQuietly(ch);
        }
    }

    @Override
    String kind() {
        return "socket";
    }

    // ------------------------------------------------------------------ I/O

    @Override
    public void onReady(int readyOps) {
        bev.lock();
        try {
            if (bev.isFreed()) {
                return; // freed from another thread: the release is queued; pending output is discarded
            }
            if ((readyOps & SelectionKey.OP_CONNECT) != 0 && bev.life.state() == BevLifecycle.CONNECTING) {
                connector.onConnectReady(channel);
                return;
            }
            if ((readyOps & SelectionKey.OP_READ) != 0) {
                readNow();
            }
            if ((readyOps & SelectionKey.OP_WRITE) != 0 && !bev.life.isReleased()) {
                writeBlocked = false;
                writeNow();
            }
        } finally {
            bev.unlock();
        }
    }

    @Override
    public void onBaseClosed() {
        bev.onBaseClosed();
    }

    private void readNow() {
        if (bev.life.state() != BevLifecycle.CONNECTED || !bev.flow.readActive()) {
            return;
        }
        long room = bev.io.readAllowance();
        if (room <= 0) {
            return;
        }
        // Into the base's direct scratch buffer, then one copy into the input's chunks. Reading
        // straight into reserved chunk space (EvBuffer.reserve) measured slower here: the chunks are
        // heap arrays, so NIO copies through its own direct buffers anyway, one per slot of the
        // scattering read (100-connection echo: 110k vs 120k round trips/s, medians of 5).
        ByteBuffer buf = bev.base().readBuffer;
        buf.clear();
        buf.limit((int) Math.min(room, buf.capacity()));
        int n;
        try {
            n = channel.read(buf);
        } catch (IOException e) {
            bev.io.ioFailed(BevEvent.READING, e);
            return;
        }
        if (n < 0) {
            bev.io.eof();
            return;
        }
        if (n > 0) {
            buf.flip();
            bev.input().add(buf);
            bev.io.readDone(n);
        }
    }

    private void writeNow() {
        if (bev.life.state() != BevLifecycle.CONNECTED || bev.writes.shut()) {
            return;
        }
        bev.writes.drain();
        EvBuffer output = bev.output();
        long turn = bev.base().turns();
        if (turn != budgetTurn) {
            budgetTurn = turn;
            writtenThisTurn = 0;
        }
        // This turn's budget, within the rate limits (0 when one is spent: writing is then
        // suspended for bandwidth, and the refill resumes it).
        long budget = Math.min(BufferEvent.WRITE_BUDGET_PER_TURN - writtenThisTurn,
                output.length() > 0 ? bev.io.writeAllowance() : Long.MAX_VALUE);
        int maxSingleWrite = bev.maxSingleWrite();
        long n = 0;
        long notified = 0; // n when the write callback last ran in this call
        try {
            // Each write(2) takes at most maxSingleWrite bytes (libevent's bufferevent_set_max_single_write);
            // while the socket takes whole writes and output remains, write again, up to
            // WRITE_SPIN times a turn (Netty's writeSpinCount), instead of one write per wake-up,
            // and up to this turn's budget (what is left waits for OP_WRITE on the next turn).
            for (int spin = 0; spin < WRITE_SPIN; spin++) {
                long pending = output.length();
                if (pending > 0 && n > notified && bev.io.writeRefillDue(pending)) {
                    // libevent runs the write callback after a write that leaves the output at or
                    // below the low watermark: a writer refilling there tops the output up before
                    // the rest goes out, instead of the rest leaving as a short write (and packet).
                    notified = n;
                    bev.callbacks.write();
                    if (bev.life.state() != BevLifecycle.CONNECTED || bev.writes.shut() || !bev.flow.writeActive()) {
                        break;
                    }
                    pending = output.length();
                }
                if (pending == 0 || n >= budget) {
                    break;
                }
                long want = Math.min(pending, maxSingleWrite);
                if (want > budget - n) {
                    if (writtenThisTurn + n > 0) {
                        break; // the rest of this turn's budget would be a short write (and packet): next turn
                    }
                    want = budget - n;
                }
                long w = output.writeTo(channel, want, bev.base().writeVectors);
                if (w > 0) {
                    n += w;
                    bev.io.wrote(w); // one report per write(2), as the instrumentation promises
                }
                if (w < want) {
                    break; // the socket is full
                }
            }
        } catch (IOException e) {
            bev.io.ioFailed(BevEvent.WRITING, e);
            return;
        }
        if (bev.life.isReleased()) {
            return; // freed by the write callback
        }
        writtenThisTurn += n;
        long left = output.length();
        writeBlocked = left > 0;
        if (left == 0 && bev.writes.finishing() && bev.writes.settled()) {
            // (A writer still between the hand-off's gate and its queue wakes the loop again.)
            bev.writes.finished();
            try {
                channel.shutdownOutput();
            } catch (IOException e) {
                bev.io.ioFailed(BevEvent.WRITING, e);
                return;
            }
        }
        bev.refresh();
        if (n > notified) {
            bev.io.writeDone();
        }
    }

    private static void closeQuietly(SocketChannel ch) {
        try {
            ch.close();
        } catch (IOException e) {
            LoopLog.log(System.Logger.Level.DEBUG, "closing a channel failed", e);
        }
    }

    @Override
    public String toString() {
        return bev.toString();
    }
}

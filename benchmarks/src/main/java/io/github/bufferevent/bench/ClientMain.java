package io.github.bufferevent.bench;

/**
 * One benchmark client run, in its own JVM, with the same command line contract as the C libevent
 * client: {@code IMPL MODE PORT ...}, printing one {@code RESULT {json}} line.
 *
 * <pre>
 * IMPL: bufferevent | bufferevent-metrics | netty-nio | netty-epoll
 * pingpong PORT CONNECTIONS SIZE WARMUP_SEC MEASURE_SEC
 * stream   PORT SIZE WARMUP_SEC MEASURE_SEC
 * connect  PORT WARMUP_SEC MEASURE_SEC
 * idle     PORT COUNT
 *
 * IMPL: bufferevent | bufferevent-inline-tasks | netty-nio (TLS against tls_server; CERT = the server's certificate, PEM)
 * tls-pingpong  PORT CERT SIZE WARMUP_SEC MEASURE_SEC   (1 connection)
 * tls-stream    PORT CERT SIZE WARMUP_SEC MEASURE_SEC
 * tls-handshake PORT CERT WARMUP_SEC MEASURE_SEC
 * </pre>
 */
public final class ClientMain {

    private ClientMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: IMPL MODE PORT ...");
            System.exit(2);
        }
        String impl = args[0];
        String mode = args[1];
        int port = Integer.parseInt(args[2]);
        String result;
        if (mode.startsWith("tls-")) {
            result = tls(impl, mode, port, args);
        } else if (impl.startsWith("bufferevent")) {
            BevBench b = new BevBench(impl.equals("bufferevent-metrics"));
            result = switch (mode) {
                case "pingpong" -> b.pingpong(port, Integer.parseInt(args[3]), Integer.parseInt(args[4]), d(args[5]), d(args[6]));
                case "stream" -> b.stream(port, Integer.parseInt(args[3]), d(args[4]), d(args[5]));
                case "connect" -> b.connect(port, d(args[3]), d(args[4]));
                case "idle" -> b.idle(port, Integer.parseInt(args[3]));
                default -> throw new IllegalArgumentException("mode " + mode);
            };
        } else if (impl.startsWith("netty")) {
            NettyBench n = new NettyBench(impl.equals("netty-epoll"));
            try {
                result = switch (mode) {
                    case "pingpong" -> n.pingpong(port, Integer.parseInt(args[3]), Integer.parseInt(args[4]), d(args[5]), d(args[6]));
                    case "stream" -> n.stream(port, Integer.parseInt(args[3]), d(args[4]), d(args[5]));
                    case "connect" -> n.connect(port, d(args[3]), d(args[4]));
                    case "idle" -> n.idle(port, Integer.parseInt(args[3]));
                    default -> throw new IllegalArgumentException("mode " + mode);
                };
            } finally {
                n.shutdown();
            }
        } else {
            throw new IllegalArgumentException("impl must be bufferevent, bufferevent-metrics, netty-nio or netty-epoll, was " + impl);
        }
        System.out.println(result);
        System.out.flush();
        System.exit(0);
    }

    private static String tls(String impl, String mode, int port, String[] args) throws Exception {
        TlsClientConfig config = new TlsClientConfig(java.nio.file.Path.of(args[3]));
        if (impl.equals("bufferevent") || impl.equals("bufferevent-inline-tasks")) {
            BevBench b = BevBench.tls(config, impl.equals("bufferevent-inline-tasks"));
            return switch (mode) {
                case "tls-pingpong" -> b.pingpong(port, 1, Integer.parseInt(args[4]), d(args[5]), d(args[6]));
                case "tls-stream" -> b.stream(port, Integer.parseInt(args[4]), d(args[5]), d(args[6]));
                case "tls-handshake" -> b.connect(port, d(args[4]), d(args[5]));
                default -> throw new IllegalArgumentException("mode " + mode);
            };
        }
        if (!impl.equals("netty-nio")) {
            throw new IllegalArgumentException("TLS modes run bufferevent, bufferevent-inline-tasks or netty-nio, not " + impl);
        }
        NettyBench n = new NettyBench(config);
        try {
            return switch (mode) {
                case "tls-pingpong" -> n.pingpong(port, 1, Integer.parseInt(args[4]), d(args[5]), d(args[6]));
                case "tls-stream" -> n.stream(port, Integer.parseInt(args[4]), d(args[5]), d(args[6]));
                case "tls-handshake" -> n.connect(port, d(args[4]), d(args[5]));
                default -> throw new IllegalArgumentException("mode " + mode);
            };
        } finally {
            n.shutdown();
        }
    }

    private static double d(String s) {
        return Double.parseDouble(s);
    }
}

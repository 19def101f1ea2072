package conduit.opensearch;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.opensearch.analysis.common.CommonAnalysisPlugin;
import org.opensearch.common.logging.LogConfigurator;
import org.opensearch.common.settings.Settings;
import org.opensearch.core.common.transport.TransportAddress;
import org.opensearch.env.Environment;
import org.opensearch.http.HttpServerTransport;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.transport.Netty4Plugin;

/**
 * One single-node OpenSearch cluster in this JVM, as the server's own embedded test nodes start one:
 * a {@link Node} with the Netty transport and the common analysis plugins on the classpath (the
 * distribution loads the same code as modules). Usage: {@code LocalOpenSearch <home dir> [http port]}.
 *
 * <p>It listens on 127.0.0.1 only, on the given HTTP port or a free one (0), keeps its data and
 * logs under the home directory, prints {@value #READY} and its URL once it answers, and stops when
 * its standard input reaches end of file (the parent's end of the pipe closes when the parent exits
 * in any way, so the JVM never outlives it) or on SIGTERM/SIGINT.
 */
public final class LocalOpenSearch {
  /** The line local/opensearch.ts waits for; the URL follows it. */
  static final String READY = "OpenSearch ready on ";

  private static final class EmbeddedNode extends Node {
    EmbeddedNode(Environment environment) {
      super(environment, List.of(Netty4Plugin.class, CommonAnalysisPlugin.class), true);
    }
  }

  public static void main(String[] args) throws Exception {
    if (args.length < 1 || args.length > 2) {
      System.err.println("usage: LocalOpenSearch <home dir> [http port]");
      System.exit(2);
    }
    Path home = Path.of(args[0]).toAbsolutePath();
    Files.createDirectories(home);
    Settings settings =
        Settings.builder()
            .put("path.home", home.toString())
            .put("path.data", home.resolve("data").toString())
            .put("path.logs", home.resolve("logs").toString())
            .put("cluster.name", "conduit-local")
            .put("node.name", "local")
            .put("discovery.type", "single-node")
            .put("network.host", "127.0.0.1")
            .put("http.port", args.length > 1 ? args[1] : "0")
            .put("transport.port", "0")
            .put("http.type", "netty4")
            .put("transport.type", "netty4")
            // A laptop's nearly full disk must not turn the index read-only.
            .put("cluster.routing.allocation.disk.threshold_enabled", false)
            .put("logger.level", "WARN")
            .build();
    LogConfigurator.configureWithoutConfig(settings);
    Node node =
        new EmbeddedNode(InternalSettingsPreparer.prepareEnvironment(settings, Map.of(), null, () -> "local"));
    Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(node)));
    node.start();
    TransportAddress address =
        node.injector().getInstance(HttpServerTransport.class).boundAddress().publishAddress();
    System.out.println(READY + "http://" + address.getAddress() + ":" + address.getPort());
    System.out.flush();

    while (System.in.read() != -1) {
      // Whatever the parent writes is ignored: only the end of the stream matters.
    }
    System.exit(0); // runs the shutdown hook
  }

  private static void stop(Node node) {
    try {
      node.close();
      node.awaitClose(10, TimeUnit.SECONDS);
    } catch (Exception error) {
      System.err.println("OpenSearch did not stop cleanly: " + error);
    }
  }
}

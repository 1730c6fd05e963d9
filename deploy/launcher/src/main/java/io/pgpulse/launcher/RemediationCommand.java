package io.pgpulse.launcher;

import io.pgpulse.schemas.Topics;
import io.pgpulse.schemas.TopicProvisioner;
import io.pgpulse.schemas.command.RemediationSwitch;
import io.pgpulse.schemas.command.SigningKeys;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "remediation",
        description = {
                "Controls automatic maintenance for the whole fleet.",
                "",
                "pause: no alert sink issues a new command and no agent executes one, from the next poll on "
                        + "(about a second). resume: back to what each one's configuration says. status: the switch's "
                        + "position, who set it, when and why. keygen: prints a new signing key (id:base64secret) "
                        + "for PGPULSE_COMMAND_KEYS.",
                ""},
        mixinStandardHelpOptions = true,
        usageHelpAutoWidth = true)
final class RemediationCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "ACTION", description = "pause, resume, status or keygen")
    String action;

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT",
            description = "Kafka to use (not needed for keygen).")
    String bootstrapServers;

    @Option(names = "--topic-prefix", defaultValue = Topics.DEFAULT_PREFIX, paramLabel = "PREFIX",
            description = "Topic prefix of the installation (default: ${DEFAULT-VALUE}).")
    String topicPrefix;

    @Option(names = "--reason", paramLabel = "TEXT", description = "Why; kept with the switch for whoever looks next.")
    String reason;

    @Option(names = "--key-id", defaultValue = "key-1", paramLabel = "ID", description = "Id of the key keygen makes.")
    String keyId;

    @Override
    public Integer call() {
        if (action.equals("keygen")) {
            System.out.println(SigningKeys.generate(keyId));
            return 0;
        }
        if (bootstrapServers == null) {
            System.err.println("pgpulse remediation " + action + ": --bootstrap-servers is required");
            return 2;
        }
        Topics topics = new Topics(topicPrefix);
        String who = System.getProperty("user.name") + "@" + hostName();
        switch (action) {
            case "pause", "resume" -> {
                TopicProvisioner.ensure(bootstrapServers, topics, 1);
                RemediationSwitch.State state = RemediationSwitch.set(bootstrapServers, topics, action.equals("pause"), who,
                        reason == null ? "set from the command line" : reason);
                System.out.println("remediation " + state);
                return 0;
            }
            case "status" -> {
                try (RemediationSwitch sw = RemediationSwitch.follow(bootstrapServers, topics, Duration.ofSeconds(30))) {
                    System.out.println("remediation " + sw.state());
                }
                return 0;
            }
            default -> {
                System.err.println("pgpulse remediation: ACTION must be pause, resume, status or keygen, found '" + action + "'");
                return 2;
            }
        }
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            return "unknown-host";
        }
    }
}

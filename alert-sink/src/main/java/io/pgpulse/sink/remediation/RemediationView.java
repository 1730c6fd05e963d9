package io.pgpulse.sink.remediation;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pgpulse.schemas.command.RemediationSwitch;

/** The sink's remediation as a person asks about it: is it on, is it paused, what waits and why. */
public final class RemediationView {

    private RemediationView() {
    }

    public static ObjectNode json(RemediationPlanner planner, RemediationSwitch remediationSwitch) {
        ObjectNode view = planner.toJson();
        view.put("enabled", true);
        RemediationSwitch.State state = remediationSwitch.state();
        ObjectNode killSwitch = view.putObject("killSwitch");
        killSwitch.put("paused", state.paused());
        killSwitch.put("by", state.by());
        killSwitch.put("at", state.at() == null ? null : state.at().toString());
        killSwitch.put("reason", state.reason());
        return view;
    }
}

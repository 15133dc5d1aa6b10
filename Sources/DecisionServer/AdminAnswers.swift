/// The answers of the administrative ops: `health`, `stats`, `reload`.
enum AdminAnswers {
    static func health(id: UnsafeRawBufferPointer?, services: ServerServices, to out: inout [UInt8]) {
        let snapshot = services.store.snapshot
        JSONOutput.appendOpening(id: id, to: &out)
        JSONOutput.append("\"status\":\"ok\",\"policyset\":", to: &out)
        JSONOutput.appendString(snapshot.set.hash, to: &out)
        JSONOutput.append(",\"policies\":", to: &out)
        JSONOutput.appendInt(snapshot.set.policyCount, to: &out)
        JSONOutput.append(",\"uptime_s\":", to: &out)
        JSONOutput.appendInt(services.uptimeSeconds, to: &out)
        JSONOutput.append(",\"connections\":", to: &out)
        JSONOutput.appendInt(services.registry.counts.open, to: &out)
        JSONOutput.append(",\"last_reload\":", to: &out)
        appendReload(services.store.lastReload, to: &out)
        JSONOutput.append("}\n", to: &out)
    }

    static func reload(id: UnsafeRawBufferPointer?, result: ReloadResult, to out: inout [UInt8]) {
        JSONOutput.appendOpening(id: id, to: &out)
        JSONOutput.append("\"reload\":", to: &out)
        appendReload(result, to: &out)
        JSONOutput.append("}\n", to: &out)
    }

    /// `{"trigger":…,"ok":…,"time":…,"policyset":…,"diagnostics":N,"message":…,"details":[…]}`
    static func appendReload(_ result: ReloadResult, to out: inout [UInt8]) {
        JSONOutput.append("{\"trigger\":", to: &out)
        JSONOutput.appendString(result.trigger, to: &out)
        JSONOutput.append(",\"ok\":", to: &out)
        JSONOutput.append(result.succeeded ? "true" : "false", to: &out)
        JSONOutput.append(",\"time\":", to: &out)
        WallClock.appendTimestamp(seconds: result.time, nanoseconds: 0, to: &out)
        JSONOutput.append(",\"policyset\":", to: &out)
        JSONOutput.appendString(result.policyset, to: &out)
        JSONOutput.append(",\"diagnostics\":", to: &out)
        JSONOutput.appendInt(result.diagnosticsCount, to: &out)
        JSONOutput.append(",\"message\":", to: &out)
        JSONOutput.appendString(result.message, to: &out)
        JSONOutput.append(",\"details\":[", to: &out)
        for (index, line) in result.diagnostics.prefix(50).enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            JSONOutput.appendString(line, to: &out)
        }
        JSONOutput.append("]}", to: &out)
    }

    static func stats(id: UnsafeRawBufferPointer?, services: ServerServices, to out: inout [UInt8]) {
        let counters = services.stats.merged()
        let connections = services.registry.counts
        JSONOutput.appendOpening(id: id, to: &out)
        JSONOutput.append("\"decisions\":{\"allow\":", to: &out)
        JSONOutput.appendInt(counters.allow, to: &out)
        JSONOutput.append(",\"deny\":", to: &out)
        JSONOutput.appendInt(counters.deny, to: &out)
        JSONOutput.append(",\"total\":", to: &out)
        JSONOutput.appendInt(counters.allow + counters.deny, to: &out)
        JSONOutput.append("},\"policies\":", to: &out)
        appendCounts(counters.policies, to: &out)
        JSONOutput.append(",\"errors\":", to: &out)
        appendCounts(counters.errors, to: &out)
        JSONOutput.append(",\"latency_us\":{", to: &out)
        let percentiles: [(StaticString, Double)] = [("p50", 50), ("p90", 90), ("p99", 99), ("p999", 99.9)]
        for (name, percentile) in percentiles {
            JSONOutput.append("\"", to: &out)
            JSONOutput.append(name, to: &out)
            JSONOutput.append("\":", to: &out)
            appendMicroseconds(counters.latency.totalCount == 0 ? 0 : counters.latency.valueAtPercentile(percentile), to: &out)
            out.append(UInt8(ascii: ","))
        }
        JSONOutput.append("\"max\":", to: &out)
        appendMicroseconds(counters.latency.totalCount == 0 ? 0 : counters.latency.max, to: &out)
        JSONOutput.append(",\"count\":", to: &out)
        JSONOutput.appendInt(counters.latency.totalCount, to: &out)
        JSONOutput.append("},\"connections\":{\"open\":", to: &out)
        JSONOutput.appendInt(connections.open, to: &out)
        JSONOutput.append(",\"accepted\":", to: &out)
        JSONOutput.appendInt(connections.accepted, to: &out)
        JSONOutput.append(",\"refused_over_limit\":", to: &out)
        JSONOutput.appendInt(connections.refusedOverLimit, to: &out)
        JSONOutput.append(",\"refused_peers\":", to: &out)
        JSONOutput.appendInt(connections.refusedPeers, to: &out)
        JSONOutput.append(",\"limit\":", to: &out)
        JSONOutput.appendInt(services.configuration.maximumConnections, to: &out)
        JSONOutput.append("}", to: &out)
        if let log = services.log {
            let status = log.status
            JSONOutput.append(",\"decision_log\":{\"lines_written\":", to: &out)
            JSONOutput.appendInt(status.linesWritten, to: &out)
            JSONOutput.append(",\"last_error\":", to: &out)
            if let error = status.lastError { JSONOutput.appendString(error, to: &out) } else { JSONOutput.append("null", to: &out) }
            JSONOutput.append("}", to: &out)
        }
        JSONOutput.append(",\"uptime_s\":", to: &out)
        JSONOutput.appendInt(services.uptimeSeconds, to: &out)
        JSONOutput.append("}\n", to: &out)
    }

    private static func appendCounts(_ counts: [String: UInt64], to out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        for (index, key) in counts.keys.sorted().enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            JSONOutput.appendString(key, to: &out)
            out.append(UInt8(ascii: ":"))
            JSONOutput.appendInt(counts[key]!, to: &out)
        }
        out.append(UInt8(ascii: "}"))
    }

    private static func appendMicroseconds(_ nanoseconds: UInt64, to out: inout [UInt8]) {
        JSONOutput.appendDouble((Double(nanoseconds) / 100).rounded() / 10, to: &out)
    }
}

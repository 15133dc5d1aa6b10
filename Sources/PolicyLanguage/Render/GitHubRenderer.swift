// `agate lint --format github`: GitHub Actions workflow commands, so findings
// show as annotations on the pull request.

/// Renders diagnostics as `::error file=…,line=…::message` workflow commands.
public struct GitHubRenderer: Sendable {
    public init() {}

    public func render(_ report: LintReport) -> String {
        var out = ""
        for d in report.shown {
            let l = report.location(of: d.span)
            let command = switch d.severity {
            case .error: "error"
            case .warning: "warning"
            case .note: "notice"
            }
            // GitHub's end column is inclusive; ours is exclusive.
            let endColumn = l.endLine == l.line ? max(l.column, l.endColumn - 1) : l.endColumn
            let properties = [
                "file=" + Self.escapeProperty(l.path),
                "line=\(l.line)", "col=\(l.column)", "endLine=\(l.endLine)", "endColumn=\(endColumn)",
                "title=" + Self.escapeProperty(d.code.id),
            ].joined(separator: ",")
            var message = d.message
            if let help = d.help { message += "\nhelp: " + help }
            out += "::\(command) \(properties)::\(Self.escapeData(message))\n"
        }
        if report.notShown > 0 {
            out += "::notice::" + Self.escapeData("… \(report.notShown) more not shown") + "\n"
        }
        return out
    }

    /// Message data: `%`, CR and LF are percent-encoded.
    public static func escapeData(_ s: String) -> String {
        var out = ""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "%": out += "%25"
            case "\r": out += "%0D"
            case "\n": out += "%0A"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Property values additionally encode `:` and `,`, which delimit properties.
    public static func escapeProperty(_ s: String) -> String {
        escapeData(s).replacingOccurrences(of: ":", with: "%3A").replacingOccurrences(of: ",", with: "%2C")
    }
}

private extension String {
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}

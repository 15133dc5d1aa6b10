import Foundation

/// The one-line progress display replay draws on a terminal's stderr:
/// `[#######-------------]  35%  3,500,000 lines  1.2M lines/s  ETA 0:05`.
public enum ProgressBar {
    public static func line(_ progress: ReplayProgress, width: Int = 24) -> String {
        let rate = progress.elapsed > 0 ? Double(progress.lines) / progress.elapsed : 0
        var parts: [String] = []
        if let total = progress.bytesTotal, total > 0 {
            let fraction = min(1, Double(progress.bytesRead) / Double(total))
            let filled = Int(fraction * Double(width))
            parts.append("[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "]")
            parts.append(String(format: "%3d%%", Int(fraction * 100)))
        }
        parts.append("\(TextReport.number(progress.lines)) lines")
        parts.append("\(compact(rate)) lines/s")
        if let total = progress.bytesTotal, progress.bytesRead > 0, progress.elapsed > 0.5 {
            let remaining = progress.elapsed * Double(total - progress.bytesRead) / Double(progress.bytesRead)
            parts.append("ETA " + clock(max(0, remaining)))
        }
        return parts.joined(separator: "  ")
    }

    static func compact(_ rate: Double) -> String {
        switch rate {
        case 1_000_000...: String(format: "%.1fM", rate / 1_000_000)
        case 1_000...: String(format: "%.0fk", rate / 1_000)
        default: String(format: "%.0f", rate)
        }
    }

    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
            : String(format: "%d:%02d", s / 60, s % 60)
    }
}

internal import NIOCore
internal import NIOHTTPTypes

/// Closes a connection whose request body stalls or trickles: from a request head on, every `timeout`
/// window must bring at least `minimumBytes` of body (or the body's end). Hummingbird's idle timeout
/// covers connections that send nothing or never finish their head; this covers the body that follows.
final class RequestBodyTimeoutHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    private let timeout: TimeAmount
    private let minimumBytes: Int
    private var bytesThisWindow = 0
    private var window: Scheduled<Void>?

    init(timeout: TimeAmount, minimumBytes: Int) {
        self.timeout = timeout
        self.minimumBytes = minimumBytes
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            startWindow(context)
        case .body(let buffer):
            bytesThisWindow += buffer.readableBytes
        case .end:
            stopWindow()
        }
        context.fireChannelRead(data)
    }

    func channelInactive(context: ChannelHandlerContext) {
        stopWindow()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        stopWindow()
    }

    private func startWindow(_ context: ChannelHandlerContext) {
        stopWindow()
        bytesThisWindow = 0
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        window = context.eventLoop.scheduleTask(in: timeout) {
            let (handler, context) = loopBound.value
            handler.windowEnded(context)
        }
    }

    private func windowEnded(_ context: ChannelHandlerContext) {
        window = nil
        if bytesThisWindow >= minimumBytes {
            startWindow(context)
        } else {
            context.close(promise: nil)
        }
    }

    private func stopWindow() {
        window?.cancel()
        window = nil
    }
}

@available(*, unavailable)
extension RequestBodyTimeoutHandler: Sendable {}

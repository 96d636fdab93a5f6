'use strict';
/** gRPC length-prefixed message framing (one uncompressed message per unary call). */

const PREFIX_BYTES = 5;

/** message bytes → 1-byte compressed flag (0) + 4-byte big-endian length + message. */
function frameMessage(message) {
  const frame = Buffer.allocUnsafe(PREFIX_BYTES + message.length);
  frame.writeUInt8(0, 0);
  frame.writeUInt32BE(message.length, 1);
  Buffer.from(message.buffer, message.byteOffset, message.length).copy(frame, PREFIX_BYTES);
  return frame;
}

/** Splits concatenated frames into their messages; throws on a truncated or compressed frame. */
function splitFrames(buffer) {
  const messages = [];
  let offset = 0;
  while (offset < buffer.length) {
    if (buffer.length - offset < PREFIX_BYTES) throw new Error('truncated gRPC frame prefix');
    if (buffer.readUInt8(offset) !== 0) throw new Error('compressed gRPC frame is not supported');
    const length = buffer.readUInt32BE(offset + 1);
    const end = offset + PREFIX_BYTES + length;
    if (end > buffer.length) throw new Error('truncated gRPC frame body');
    messages.push(buffer.subarray(offset + PREFIX_BYTES, end));
    offset = end;
  }
  return messages;
}

module.exports = { PREFIX_BYTES, frameMessage, splitFrames };

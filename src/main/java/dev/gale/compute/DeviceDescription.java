package dev.gale.compute;

/** What a user can pass as a device spec, and what it is. */
public record DeviceDescription(String spec, String description) {
}

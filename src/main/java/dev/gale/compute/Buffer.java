package dev.gale.compute;

/**
 * A float32 array owned by one backend. Host code never touches its storage: it goes in through
 * {@link Backend#write} and comes out through {@link Backend#read}, so a device backend can keep it
 * resident between steps.
 */
public interface Buffer {
    int length();
}

export declare const repoRoot: string;
export declare function sharedPath(sub?: string): string | undefined;
export declare function postgresUrl(): string | undefined;
export declare function chromiumPath(): string | undefined;
export declare const chromiumArgs: string[];

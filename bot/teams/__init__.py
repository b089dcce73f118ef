"""The Teams edge: the one package that imports the Bot Framework SDK (botbuilder / botframework / msrest).

- `app`: the HTTP app and its routes (`create_app`);
- `turns`: the route chain, from an authenticated activity to an answer (tenant fence, sign-in, errors);
- `activity`: Activity <-> `Turn`/`Reply` translation, on Teams' JSON;
- `signin`: single sign-on, magic codes, sign-out, commands resumed after a sign-in;
- `outbound`: the Bot Connector REST API on our shared aiohttp session (implements `bot.outbound.Outbound`);
- `sdk`: what is still taken from the SDK (inbound authentication, credentials, the user-token service).

Moving to the Microsoft 365 Agents SDK means changing this package only."""

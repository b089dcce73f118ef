// The Azure Bot: its identity is the user-assigned managed identity, its endpoint the web app, its channel Teams,
// and its OAuth connection the one Teams single sign-on exchanges tokens with (docs/sso-setup.md).

param botServiceName string
@maxLength(42)
param botDisplayName string
param botServiceSku string
param messagingEndpoint string
param identityClientId string
param identityResourceId string
param identityTenantId string
param oauthConnectionName string
param ssoAppClientId string
@secure()
param ssoAppClientSecret string
param ssoAppTenant string
@description('The SSO app\'s Application ID URI, api://<bot host>/botid-<bot id>: the token exchange URL.')
param ssoAppIdUri string
param tags object

resource botService 'Microsoft.BotService/botServices@2022-09-15' = {
  name: botServiceName
  location: 'global'
  kind: 'azurebot'
  tags: tags
  sku: {
    name: botServiceSku
  }
  properties: {
    displayName: botDisplayName
    endpoint: messagingEndpoint
    msaAppId: identityClientId
    msaAppMSIResourceId: identityResourceId
    msaAppTenantId: identityTenantId
    msaAppType: 'UserAssignedMSI'
  }
}

resource teams 'Microsoft.BotService/botServices/channels@2022-09-15' = {
  parent: botService
  name: 'MsTeamsChannel'
  location: 'global'
  properties: {
    channelName: 'MsTeamsChannel'
    properties: {
      isEnabled: true
    }
  }
}

// Service provider "Azure Active Directory v2". The scope is the SSO app's own API: the bot exchanges the token
// the service returns for Graph tokens itself, each with only the scopes its action needs.
resource oauthConnection 'Microsoft.BotService/botServices/connections@2022-09-15' = {
  parent: botService
  name: oauthConnectionName
  location: 'global'
  properties: {
    serviceProviderDisplayName: 'Azure Active Directory v2'
    serviceProviderId: '30dd229c-58e3-4a48-bdfd-91ec48eb906c'
    clientId: ssoAppClientId
    clientSecret: ssoAppClientSecret
    scopes: '${ssoAppIdUri}/access_as_user'
    parameters: [
      {
        key: 'tenantID'
        value: ssoAppTenant
      }
      {
        key: 'tokenExchangeUrl'
        value: ssoAppIdUri
      }
    ]
  }
}
